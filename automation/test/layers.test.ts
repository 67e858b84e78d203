import { describe, expect, it } from "@jest/globals";
import {
  componentUrn,
  layerOfUrn,
  layerSelection,
  layerTargets,
  selects,
  stateSelection,
  urnMatches,
} from "../layers.js";
import { layersFromTopDownTo, layersUpTo, parseLayer } from "../../layers/registry.js";

const S = "localnet";
const P = "near-localnet";
const urn = (typeChain: string, name: string) => `urn:pulumi:${S}::${P}::${typeChain}::${name}`;

describe("layer targets", () => {
  it("a layer's target set is its component URN plus every descendant", () => {
    expect(layerTargets(S, "mpc")).toEqual([
      "urn:pulumi:localnet::near-localnet::near-localnet:index:ChainSignatures::mpc",
      "urn:pulumi:localnet::near-localnet::near-localnet:index:ChainSignatures$**",
    ]);
    const sel = layerSelection(S, "mpc");
    expect(selects(sel, componentUrn(S, "mpc"))).toBe(true);
    expect(selects(sel, urn("near-localnet:index:ChainSignatures$aws:ec2/instance:Instance", "mpc-node-0"))).toBe(true);
    expect(
      selects(
        sel,
        urn("near-localnet:index:ChainSignatures$near-localnet:index:SsmOperation$command:local:Command", "vote-0"),
      ),
    ).toBe(true);
    // nothing of the layers below, nor the stack or providers
    expect(selects(sel, urn("near-localnet:index:NearBase$aws:ec2/instance:Instance", "base-node"))).toBe(false);
    expect(selects(sel, urn("near-localnet:index:NearServices", "services"))).toBe(false);
    expect(selects(sel, urn("pulumi:pulumi:Stack", "near-localnet-localnet"))).toBe(false);
  });

  it("Layer 1 is everything except Layers 2 and 3, so top-level shared resources go up with it", () => {
    const sel = layerSelection(S, "base");
    expect(sel.targets).toBeUndefined();
    expect(selects(sel, urn("near-localnet:index:NearBase$aws:ec2/vpc:Vpc", "base-vpc"))).toBe(true);
    expect(selects(sel, urn("aws:s3/bucketObjectv2:BucketObjectv2", "ops-bundle"))).toBe(true);
    expect(selects(sel, urn("near-localnet:index:NearServices$command:local:Command", "deploy-wrap"))).toBe(false);
    expect(selects(sel, urn("near-localnet:index:ChainSignatures", "mpc"))).toBe(false);
    expect(layerOfUrn(S, urn("aws:ssm/document:Document", "run-op"))).toBe("base");
    expect(layerOfUrn(S, urn("near-localnet:index:NearServices$aws:x:Y", "z"))).toBe("services");
  });

  it("glob semantics follow Pulumi's: ** crosses ':' and '$', * does not cross ':'", () => {
    expect(urnMatches("urn:pulumi:s::p::a:b:C$**", "urn:pulumi:s::p::a:b:C$x:y:Z::n")).toBe(true);
    expect(urnMatches("urn:pulumi:s::p::a:b:C$**", "urn:pulumi:s::p::a:b:C::n")).toBe(false);
    expect(urnMatches("urn:pulumi:s::p::*::n", "urn:pulumi:s::p::a:b:C::n")).toBe(false);
    expect(urnMatches("urn:pulumi:s::p::a:*:C::n", "urn:pulumi:s::p::a:b:C::n")).toBe(true);
  });

  it("orders and parses layers", () => {
    expect(layersUpTo("services").map((l) => l.id)).toEqual(["base", "services"]);
    expect(layersFromTopDownTo("services").map((l) => l.id)).toEqual(["mpc", "services"]);
    expect(layersFromTopDownTo("base").map((l) => l.id)).toEqual(["mpc", "services", "base"]);
    expect(parseLayer("3")).toBe("mpc");
    expect(parseLayer("Chain-Signatures")).toBe("mpc");
    expect(() => parseLayer("intents")).toThrow('unknown layer "intents"');
  });
});

describe("selections checked against the state (refresh, destroy)", () => {
  const res = (u: string, type = "aws:x:Y") => ({ urn: u, type });
  const stackRes = res(urn("pulumi:pulumi:Stack", "near-localnet-localnet"), "pulumi:pulumi:Stack");
  const provider = res(urn("pulumi:providers:aws", "default_7_48_0"), "pulumi:providers:aws");
  const baseRes = [
    res(componentUrn(S, "base"), "near-localnet:index:NearBase"),
    res(urn("near-localnet:index:NearBase$aws:ec2/vpc:Vpc", "vpc")),
  ];
  const servicesRes = [
    res(componentUrn(S, "services"), "near-localnet:index:NearServices"),
    res(urn("near-localnet:index:NearServices$command:local:Command", "deploy-wrap")),
  ];
  const mpcChildOnly = [
    res(urn("near-localnet:index:ChainSignatures$aws:ec2/instance:Instance", "mpc-node-0-instance")),
  ];

  it("names only literal URNs the state holds; globs always stay", () => {
    const all = [stackRes, provider, ...baseRes, ...servicesRes, res(componentUrn(S, "mpc")), ...mpcChildOnly];
    expect(stateSelection(S, "mpc", all)).toEqual({ targets: layerTargets(S, "mpc") });
    expect(stateSelection(S, "base", all)).toEqual({
      excludes: [...layerTargets(S, "services"), ...layerTargets(S, "mpc")],
    });
    // a Layer 3 whose component is not recorded (children only): the glob alone
    const partial = [stackRes, ...baseRes, ...servicesRes, ...mpcChildOnly];
    expect(stateSelection(S, "mpc", partial)).toEqual({
      targets: [`urn:pulumi:${S}::${P}::near-localnet:index:ChainSignatures$**`],
    });
    expect(stateSelection(S, "base", partial)).toEqual({
      excludes: [...layerTargets(S, "services"), `urn:pulumi:${S}::${P}::near-localnet:index:ChainSignatures$**`],
    });
  });

  it("a layer with nothing in the state has no selection (not deployed); Layer 1 alone needs no excludes", () => {
    const baseOnly = [stackRes, provider, ...baseRes];
    expect(stateSelection(S, "services", baseOnly)).toBeUndefined();
    expect(stateSelection(S, "mpc", baseOnly)).toBeUndefined();
    expect(stateSelection(S, "base", baseOnly)).toEqual({});
    expect(stateSelection(S, "base", [stackRes, provider])).toBeUndefined();
    expect(stateSelection(S, "base", [])).toBeUndefined();
  });
});
