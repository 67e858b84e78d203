import { ConfigError, DEFAULTS, loadConfig, parseCidr } from "../config.js";
import { MPC_RELEASES } from "../mpc/releases.js";

const getter = (values: Record<string, unknown>) => (key: string) => values[key];
const minimal = { "aws:region": "us-east-1" };

function problems(values: Record<string, unknown>, stack = "localnet"): string[] {
  try {
    loadConfig(getter(values), stack);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  test("defaults for the default stack", () => {
    const cfg = loadConfig(getter(minimal), "localnet");
    expect(cfg.region).toBe("us-east-1");
    expect(cfg.network).toEqual({ mode: "create", cidr: "10.42.0.0/16", egress: "nat" });
    expect(cfg.base.nearcoreImage).toBe("nearprotocol/nearcore:2.13.3");
    expect(cfg.base.chainId).toBe("mpc-localnet");
    expect(cfg.base.rootAccountId).toBe("localnet");
    expect(cfg.base.rootBalanceYocto).toBe("1000000000" + "0".repeat(24));
    expect(cfg.mpc).toMatchObject({
      nodes: 3,
      threshold: 2,
      image: "nearone/mpc-node:3.14.1",
      p2pPort: 3000,
      domains: ["secp256k1", "ed25519"],
    });
    expect(cfg.ssmPrefix).toBe("/near-localnet");
    expect(cfg.secretsPrefix).toBe("");
  });

  test("logRetentionDays: 30 by default, any period CloudWatch Logs keeps, nothing else", () => {
    expect(loadConfig(getter(minimal), "localnet").base.logRetentionDays).toBe(30);
    for (const days of ["0", "7", "3653"]) {
      const cfg = loadConfig(getter({ ...minimal, "near-localnet:logRetentionDays": days }), "localnet");
      expect(cfg.base.logRetentionDays).toBe(Number(days));
    }
    for (const days of ["8", "-1", "many"]) {
      expect(() => loadConfig(getter({ ...minimal, "near-localnet:logRetentionDays": days }), "localnet")).toThrow(
        "near-localnet:logRetentionDays",
      );
    }
    expect(() => loadConfig(getter({ ...minimal, "near-localnet:logRetentionDays": "8" }), "localnet")).toThrow(
      "must be one of the periods CloudWatch Logs keeps logs for: 0, 1, 3, 5, 7, 14, 30,",
    );
  });

  test("other stacks get their own SSM and Secrets Manager prefixes", () => {
    const cfg = loadConfig(getter(minimal), "staging");
    expect(cfg.ssmPrefix).toBe("/near-localnet/staging");
    expect(cfg.secretsPrefix).toBe("near-localnet/staging/");
  });

  test("existing VPC mode with subnets, JSON or comma lists", () => {
    const cfg = loadConfig(
      getter({
        ...minimal,
        "near-localnet:vpcId": "vpc-0123456789abcdef0",
        "near-localnet:subnetIds": '["subnet-0123456789abcdef0"]',
      }),
      "localnet",
    );
    expect(cfg.network).toEqual({
      mode: "existing",
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0123456789abcdef0"],
    });
    const cfg2 = loadConfig(
      getter({
        ...minimal,
        "near-localnet:vpcId": "vpc-0123456789abcdef0",
        "near-localnet:subnetIds": "subnet-0123456789abcdef0, subnet-0123456789abcdef1",
      }),
      "localnet",
    );
    expect(cfg2.network).toMatchObject({ subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"] });
  });

  test("aws:profile is kept for the local commands", () => {
    expect(loadConfig(getter({ ...minimal, "aws:profile": "sandbox" }), "localnet").awsProfile).toBe("sandbox");
    expect(loadConfig(getter(minimal), "localnet").awsProfile).toBeUndefined();
  });

  test("credentials or roles in stack config are refused: the local commands could not use them", () => {
    const found = problems({
      ...minimal,
      "aws:accessKey": "AKIAEXAMPLE",
      "aws:assumeRoles": [{ roleArn: "arn:aws:iam::123456789012:role/deploy" }],
    });
    expect(found).toEqual([
      "aws:accessKey is set, but the program's local commands and the driver use only the environment's AWS " +
        "credentials and aws:profile. Fix: pulumi config rm aws:accessKey, then use a profile (pulumi config set " +
        "aws:profile <name>) or AWS_* environment variables",
      "aws:assumeRoles is set, but the program's local commands and the driver use only the environment's AWS " +
        "credentials and aws:profile. Fix: pulumi config rm aws:assumeRoles, then use a profile (pulumi config set " +
        "aws:profile <name>) or AWS_* environment variables",
    ]);
    // the value itself is never repeated
    expect(found.join("\n")).not.toContain("AKIAEXAMPLE");
  });

  test("tags, amounts with decimals, public egress", () => {
    const cfg = loadConfig(
      getter({
        ...minimal,
        "near-localnet:tags": '{"team":"chain"}',
        "near-localnet:rootAccountBalance": "1.5",
        "near-localnet:egress": "public",
      }),
      "localnet",
    );
    expect(cfg.tags).toEqual({ team: "chain" });
    expect(cfg.base.rootBalanceYocto).toBe("15" + "0".repeat(23));
    expect(cfg.network).toMatchObject({ egress: "public" });
  });

  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["missing region", {}, /^aws:region is required\. Fix: pulumi config set aws:region us-east-1$/],
    [
      "malformed region",
      { "aws:region": "useast1" },
      /^aws:region = "useast1": is not an AWS region name\. Fix: pulumi config set aws:region us-east-1$/,
    ],
    [
      "malformed CIDR",
      { ...minimal, "near-localnet:vpcCidr": "10.0.0/16" },
      /^near-localnet:vpcCidr = "10\.0\.0\/16": must be an IPv4 CIDR .* Fix: pulumi config set near-localnet:vpcCidr 10\.42\.0\.0\/16$/,
    ],
    [
      "CIDR with host bits",
      { ...minimal, "near-localnet:vpcCidr": "10.42.1.0/16" },
      /near-localnet:vpcCidr = "10\.42\.1\.0\/16": must be an IPv4 CIDR/,
    ],
    [
      "unknown instance type format",
      { ...minimal, "near-localnet:baseInstanceType": "large" },
      /^near-localnet:baseInstanceType = "large": is not an EC2 instance type \(family\.size, e\.g\. m6i\.large\)\. Fix: pulumi config set near-localnet:baseInstanceType m6i\.large$/,
    ],
    [
      "arm instance type",
      { ...minimal, "near-localnet:mpcInstanceType": "m7g.large" },
      /near-localnet:mpcInstanceType = "m7g\.large": is an Arm \(Graviton\) type/,
    ],
    [
      "pre-Nitro instance type",
      { ...minimal, "near-localnet:baseInstanceType": "m4.large" },
      /near-localnet:baseInstanceType = "m4\.large": is a pre-Nitro \(Xen\) type/,
    ],
    [
      "malformed AWS profile",
      { ...minimal, "aws:profile": "my profile" },
      /aws:profile = "my profile": is not an AWS profile name/,
    ],
    [
      "negative balance",
      { ...minimal, "near-localnet:rootAccountBalance": "-5" },
      /^near-localnet:rootAccountBalance = "-5": must be a non-negative decimal amount of NEAR .* Fix: pulumi config set near-localnet:rootAccountBalance 1000000000$/,
    ],
    [
      "non-numeric balance",
      { ...minimal, "near-localnet:rootAccountBalance": "lots" },
      /near-localnet:rootAccountBalance = "lots": must be a non-negative decimal amount of NEAR/,
    ],
    [
      "zero balance",
      { ...minimal, "near-localnet:rootAccountBalance": "0" },
      /near-localnet:rootAccountBalance = "0": must be more than 0/,
    ],
    [
      "invalid NEAR account id",
      { ...minimal, "near-localnet:rootAccountId": "Local_Net!" },
      /^near-localnet:rootAccountId = "Local_Net!": is not a valid NEAR account id .* Fix: pulumi config set near-localnet:rootAccountId localnet$/,
    ],
    [
      "chain id with illegal characters",
      { ...minimal, "near-localnet:chainId": "my chain!" },
      /^near-localnet:chainId = "my chain!": may contain only lowercase letters, digits and dashes .* Fix: pulumi config set near-localnet:chainId mpc-localnet$/,
    ],
    [
      "chain id the MPC node does not run as a localnet",
      { ...minimal, "near-localnet:chainId": "devnet" },
      /near-localnet:chainId = "devnet": the MPC node runs as a localnet only on chain id "mpc-localnet" or "sandbox"/,
    ],
    [
      "existing VPC without subnets",
      { ...minimal, "near-localnet:vpcId": "vpc-0123456789abcdef0" },
      /^near-localnet:subnetIds is required when near-localnet:vpcId is set \(existing-VPC mode\).* Fix: pulumi config set near-localnet:subnetIds/,
    ],
    [
      "malformed subnet id",
      { ...minimal, "near-localnet:vpcId": "vpc-0123456789abcdef0", "near-localnet:subnetIds": "sub-1" },
      /near-localnet:subnetIds = "sub-1": is not a subnet id/,
    ],
    [
      "threshold above n",
      { ...minimal, "near-localnet:mpcThreshold": "4" },
      /near-localnet:mpcThreshold = 4: must not exceed near-localnet:mpcNodes \(3\)/,
    ],
    [
      "threshold below 60%",
      { ...minimal, "near-localnet:mpcNodes": "5", "near-localnet:mpcThreshold": "2" },
      /near-localnet:mpcThreshold = 2: must be at least 60% of near-localnet:mpcNodes \(5\), i\.e\. at least 3/,
    ],
    [
      "unknown domain",
      { ...minimal, "near-localnet:mpcDomains": '["secp256k1","bls"]' },
      /near-localnet:mpcDomains = "bls": each domain must be/,
    ],
    [
      "P2P port colliding with the web UI",
      { ...minimal, "near-localnet:mpcP2pPort": "8080" },
      /near-localnet:mpcP2pPort = 8080: collides with port 8080/,
    ],
    ["egress typo", { ...minimal, "near-localnet:egress": "natgw" }, /near-localnet:egress = "natgw": must be "nat"/],
    [
      "non-numeric node count",
      { ...minimal, "near-localnet:mpcNodes": "three" },
      /near-localnet:mpcNodes = "three": must be a whole number from 2 to 10/,
    ],
  ];
  test.each(cases)("%s", (_name, values, message) => {
    const found = problems(values);
    expect(found.some((p) => message.test(p))).toBe(true);
  });

  test("all problems are reported at once", () => {
    const found = problems({ "near-localnet:vpcCidr": "x", "near-localnet:chainId": "A B" });
    expect(found.length).toBeGreaterThanOrEqual(3);
    expect(() => loadConfig(getter({}), "localnet")).toThrow(
      /^Invalid configuration \(1 problem\); nothing was created:\n {2}- aws:region is required/,
    );
  });
});

describe("the MPC release", () => {
  const release = MPC_RELEASES["3.14.1"];

  test("the default release pins the MPC image, the base node's nearcore and the signer contract", () => {
    for (const values of [minimal, { ...minimal, "near-localnet:mpcVersion": "3.14.1" }]) {
      const cfg = loadConfig(getter(values), "localnet");
      expect(cfg.mpc.version).toBe("3.14.1");
      expect(cfg.mpc.image).toBe(release.image);
      expect(cfg.mpc.signer).toEqual(release.signer);
      expect(cfg.base.nearcoreVersion).toBe(release.nearcoreVersion);
      expect(cfg.base.nearcoreImage).toBe(`nearprotocol/nearcore:${release.nearcoreVersion}`);
    }
    // near/mpc 3.14.1 Cargo.toml: nearcore = { git = "https://github.com/near/nearcore", tag = "2.13.3" }
    expect(release).toMatchObject({ image: "nearone/mpc-node:3.14.1", nearcoreVersion: "2.13.3" });
  });

  test("explicit images override the release's, a matching nearcoreVersion is accepted", () => {
    const cfg = loadConfig(
      getter({
        ...minimal,
        "near-localnet:nearcoreVersion": "2.13.3",
        "near-localnet:nearcoreImage": "mirror.example/nearcore:2.13.3",
        "near-localnet:mpcImage": "mirror.example/mpc-node:3.14.1",
      }),
      "localnet",
    );
    expect(cfg.base.nearcoreImage).toBe("mirror.example/nearcore:2.13.3");
    expect(cfg.mpc.image).toBe("mirror.example/mpc-node:3.14.1");
  });

  test("an unknown mpcVersion names the releases that exist", () => {
    expect(problems({ ...minimal, "near-localnet:mpcVersion": "3.13.0" })).toEqual([
      'near-localnet:mpcVersion = "3.13.0": names no MPC release this program pins ' +
        "(known: 3.14.1; a release is added in layers/mpc/releases.ts). " +
        "Fix: pulumi config set near-localnet:mpcVersion 3.14.1",
    ]);
  });

  test("a malformed mpcVersion is reported once, as malformed", () => {
    expect(problems({ ...minimal, "near-localnet:mpcVersion": "latest" })).toEqual([
      'near-localnet:mpcVersion = "latest": must be an MPC node release version like 3.14.1. ' +
        "Fix: pulumi config set near-localnet:mpcVersion 3.14.1",
    ]);
  });

  test("a nearcoreVersion other than the release's names both and the fix", () => {
    expect(problems({ ...minimal, "near-localnet:nearcoreVersion": "2.12.0" })).toEqual([
      'near-localnet:nearcoreVersion = "2.12.0": ' +
        "MPC release 3.14.1 (near-localnet:mpcVersion) embeds nearcore 2.13.3, " +
        "and the base node must run the same nearcore release. " +
        "Fix: pulumi config set near-localnet:nearcoreVersion 2.13.3",
    ]);
  });

  test("with an unknown release only the release is reported, not the nearcore it cannot pin", () => {
    const found = problems({
      ...minimal,
      "near-localnet:mpcVersion": "9.0.0",
      "near-localnet:nearcoreVersion": "3.0.0",
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^near-localnet:mpcVersion = "9\.0\.0": names no MPC release/);
  });
});

describe("helpers", () => {
  test("parseCidr", () => {
    expect(parseCidr("10.42.0.0/16")).toEqual({ base: ((10 << 24) | (42 << 16)) >>> 0, bits: 16 });
    expect(parseCidr("10.42.0.0/8")).toBeNull();
    expect(parseCidr("10.42.0.0/27")).toEqual({ base: ((10 << 24) | (42 << 16)) >>> 0, bits: 27 });
    // its halves would be /29 subnets, below AWS's /28 minimum
    expect(parseCidr("10.42.0.0/28")).toBeNull();
    expect(parseCidr("300.0.0.0/16")).toBeNull();
  });
  test("DEFAULTS pin nearcore 2.13.3 and near/mpc 3.14.1", () => {
    expect(DEFAULTS.nearcoreVersion).toBe("2.13.3");
    expect(DEFAULTS.mpcVersion).toBe("3.14.1");
  });
});
