import { readFileSync } from "node:fs";
import { ConfigError, DEFAULTS, knownConfigKeys, loadConfig, parseCidr } from "../config.js";
import { MPC_RELEASES } from "../mpc/releases.js";

const getter = (values: Record<string, unknown>) => (key: string) => values[key];
const minimal = { "aws:region": "us-east-1" };
const readme = () => readFileSync(new URL("../../README.md", import.meta.url), "utf8");

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
        "credentials and aws:profile. Fix: pulumi config rm aws:accessKey --stack localnet, then use a profile " +
        "(pulumi config set aws:profile <name> --stack localnet) or AWS_* environment variables",
      "aws:assumeRoles is set, but the program's local commands and the driver use only the environment's AWS " +
        "credentials and aws:profile. Fix: pulumi config rm aws:assumeRoles --stack localnet, then use a profile " +
        "(pulumi config set aws:profile <name> --stack localnet) or AWS_* environment variables",
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
    ["missing region", {}, /^aws:region is required\. Fix: pulumi config set aws:region us-east-1 --stack localnet$/],
    [
      "malformed region",
      { "aws:region": "useast1" },
      /^aws:region = "useast1": is not an AWS region name\. Fix: pulumi config set aws:region us-east-1 --stack localnet$/,
    ],
    [
      "malformed CIDR",
      { ...minimal, "near-localnet:vpcCidr": "10.0.0/16" },
      /^near-localnet:vpcCidr = "10\.0\.0\/16": must be an IPv4 CIDR .* Fix: pulumi config set near-localnet:vpcCidr 10\.42\.0\.0\/16 --stack localnet$/,
    ],
    [
      "CIDR with host bits",
      { ...minimal, "near-localnet:vpcCidr": "10.42.1.0/16" },
      /near-localnet:vpcCidr = "10\.42\.1\.0\/16": must be an IPv4 CIDR/,
    ],
    [
      "unknown instance type format",
      { ...minimal, "near-localnet:baseInstanceType": "large" },
      /^near-localnet:baseInstanceType = "large": is not an EC2 instance type \(family\.size, e\.g\. m6i\.large\)\. Fix: pulumi config set near-localnet:baseInstanceType m6i\.large --stack localnet$/,
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
      /^near-localnet:rootAccountBalance = "-5": must be a non-negative decimal amount of NEAR .* Fix: pulumi config set near-localnet:rootAccountBalance 1000000000 --stack localnet$/,
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
      /^near-localnet:rootAccountId = "Local_Net!": is not a valid NEAR account id .* Fix: pulumi config set near-localnet:rootAccountId localnet --stack localnet$/,
    ],
    [
      "chain id with illegal characters",
      { ...minimal, "near-localnet:chainId": "my chain!" },
      /^near-localnet:chainId = "my chain!": may contain only lowercase letters, digits and dashes .* Fix: pulumi config set near-localnet:chainId mpc-localnet --stack localnet$/,
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
      /^near-localnet:mpcP2pPort = 8080: collides with the MPC web UI port on the MPC hosts \(in use there: neard RPC 3030, MPC migration web UI 8079, MPC web UI 8080, NEAR P2P 24567, MPC pprof 34001\)\. Fix: pulumi config set near-localnet:mpcP2pPort 3000 --stack localnet$/,
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

  test("images: tag (pinned on first pull) or digest; the grammar is checked naming the key", () => {
    const d = `sha256:${"0f".repeat(32)}`;
    expect(loadConfig(getter(minimal), "localnet").base.opsImage).toBe("node:22-slim");
    const pinned = loadConfig(
      getter({
        ...minimal,
        "near-localnet:nearcoreImage": `nearprotocol/nearcore:2.13.3@${d}`,
        "near-localnet:mpcImage": `nearone/mpc-node@${d}`,
        "near-localnet:opsImage": `node:22-slim@${d}`,
      }),
      "localnet",
    );
    expect([pinned.base.nearcoreImage, pinned.mpc.image, pinned.base.opsImage]).toEqual([
      `nearprotocol/nearcore:2.13.3@${d}`,
      `nearone/mpc-node@${d}`,
      `node:22-slim@${d}`,
    ]);
    const rule =
      "is not an image reference the hosts accept (name:tag (pinned to its digest on the first pull) or " +
      "name[:tag]@sha256:<64 hex>, the name in lowercase without a registry port, e.g. nearprotocol/nearcore:2.13.3)";
    expect(
      problems({
        ...minimal,
        "near-localnet:nearcoreImage": "nearprotocol/nearcore",
        "near-localnet:mpcImage": `nearone/mpc-node:3.14.1@sha256:${"0F".repeat(32)}`,
        "near-localnet:opsImage": "registry.example:5000/node:22-slim",
      }),
    ).toEqual([
      `near-localnet:nearcoreImage = "nearprotocol/nearcore": ${rule}. ` +
        "Fix: pulumi config set near-localnet:nearcoreImage nearprotocol/nearcore:2.13.3 --stack localnet",
      `near-localnet:opsImage = "registry.example:5000/node:22-slim": ${rule}. ` +
        "Fix: pulumi config set near-localnet:opsImage node:22-slim --stack localnet",
      `near-localnet:mpcImage = "nearone/mpc-node:3.14.1@sha256:${"0F".repeat(32)}": ${rule}. ` +
        "Fix: pulumi config set near-localnet:mpcImage nearone/mpc-node:3.14.1 --stack localnet",
    ]);
  });

  test("an unknown mpcVersion names the releases that exist", () => {
    expect(problems({ ...minimal, "near-localnet:mpcVersion": "3.13.0" })).toEqual([
      'near-localnet:mpcVersion = "3.13.0": names no MPC release this program pins ' +
        "(known: 3.14.1; a release is added in layers/mpc/releases.ts). " +
        "Fix: pulumi config set near-localnet:mpcVersion 3.14.1 --stack localnet",
    ]);
  });

  test("a malformed mpcVersion is reported once, as malformed", () => {
    expect(problems({ ...minimal, "near-localnet:mpcVersion": "latest" })).toEqual([
      'near-localnet:mpcVersion = "latest": must be an MPC node release version like 3.14.1. ' +
        "Fix: pulumi config set near-localnet:mpcVersion 3.14.1 --stack localnet",
    ]);
  });

  test("a nearcoreVersion other than the release's names both and the fix", () => {
    expect(problems({ ...minimal, "near-localnet:nearcoreVersion": "2.12.0" })).toEqual([
      'near-localnet:nearcoreVersion = "2.12.0": ' +
        "MPC release 3.14.1 (near-localnet:mpcVersion) embeds nearcore 2.13.3, " +
        "and the base node must run the same nearcore release. " +
        "Fix: pulumi config set near-localnet:nearcoreVersion 2.13.3 --stack localnet",
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

describe("what would fail later on an instance fails here", () => {
  const keys = (values: Record<string, unknown>) => Object.keys(values);

  test("ports the MPC node (migration 8079, pprof 34001) or neard already use", () => {
    for (const [port, what] of [
      ["8079", "MPC migration web UI"],
      ["34001", "MPC pprof"],
      ["24567", "NEAR P2P"],
    ]) {
      const found = problems({ ...minimal, "near-localnet:mpcP2pPort": port });
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(`near-localnet:mpcP2pPort = ${port}: collides with the ${what} port on the MPC hosts`);
    }
    expect(problems({ ...minimal, "near-localnet:faucetPort": "24567" })).toEqual([
      "near-localnet:faucetPort = 24567: collides with the NEAR P2P port on the base host (in use there: " +
        "neard RPC 3030, NEAR P2P 24567). Fix: pulumi config set near-localnet:faucetPort 3031 --stack localnet",
    ]);
    // the faucet runs on the base host, the MPC P2P port on the MPC hosts: the same number is fine
    const cfg = loadConfig(getter({ ...minimal, "near-localnet:faucetPort": "3000" }), "localnet");
    expect(cfg.services.faucetPort).toBe(3000);
  });

  test("image references as the bootstraps accept them", () => {
    const digest = `sha256:${"0f".repeat(32)}`;
    const cfg = loadConfig(getter({ ...minimal, "near-localnet:mpcImage": `nearone/mpc-node@${digest}` }), "localnet");
    expect(cfg.mpc.image).toBe(`nearone/mpc-node@${digest}`);
    expect(problems({ ...minimal, "near-localnet:nearcoreImage": "nearprotocol/nearcore" })).toEqual([
      'near-localnet:nearcoreImage = "nearprotocol/nearcore": is not an image reference the hosts accept ' +
        "(name:tag (pinned to its digest on the first pull) or name[:tag]@sha256:<64 hex>, the name in lowercase without a registry port, e.g. " +
        "nearprotocol/nearcore:2.13.3). Fix: pulumi config set near-localnet:nearcoreImage " +
        "nearprotocol/nearcore:2.13.3 --stack localnet",
    ]);
    expect(problems({ ...minimal, "near-localnet:mpcImage": "registry:5000/mpc-node:3.14.1" })[0]).toMatch(
      /^near-localnet:mpcImage = "registry:5000\/mpc-node:3\.14\.1": is not an image reference the hosts accept/,
    );
  });

  test("account ids derived from the root account stay within NEAR's 64 characters", () => {
    const root52 = `${"a".repeat(44)}.localnet`; // 53 characters: sign-tester.<root> would be 65
    expect(problems({ ...minimal, "near-localnet:rootAccountId": root52 })).toEqual([
      `near-localnet:rootAccountId = "${root52}": makes the account id sign-tester.${root52} 65 characters long; ` +
        "NEAR account ids have at most 64, so the root account can have at most 52. " +
        "Fix: pulumi config set near-localnet:rootAccountId localnet --stack localnet",
    ]);
    const root = `${"a".repeat(43)}.localnet`;
    expect(loadConfig(getter({ ...minimal, "near-localnet:rootAccountId": root }), "localnet").base.rootAccountId).toBe(
      root,
    );
  });

  test("the availability zone must be one of the region's", () => {
    const zone = (az: string, region = "us-east-1") =>
      problems({ "aws:region": region, "near-localnet:availabilityZone": az, "near-localnet:chainId": "x" });
    expect(zone("eu-west-1a")).toContain(
      'near-localnet:availabilityZone = "eu-west-1a": is not a zone of the stack\'s region us-east-1 (aws:region). ' +
        "Fix: pulumi config set near-localnet:availabilityZone us-east-1a --stack localnet",
    );
    for (const ok of ["us-east-1f", "us-west-2-lax-1a"]) {
      const region = ok.startsWith("us-west-2") ? "us-west-2" : "us-east-1";
      const cfg = loadConfig(getter({ "aws:region": region, "near-localnet:availabilityZone": ok }), "localnet");
      expect(cfg.network).toMatchObject({ availabilityZone: ok });
    }
    expect(zone("us-east-11a").join("\n")).toContain("is not a zone of the stack's region us-east-1");
  });

  test("keys of the other network mode are refused with the command that removes them", () => {
    const existing = {
      "near-localnet:vpcId": "vpc-0123456789abcdef0",
      "near-localnet:subnetIds": "subnet-0123456789abcdef0",
    };
    expect(problems({ ...minimal, ...existing, "near-localnet:availabilityZone": "us-east-1a" }, "staging")).toEqual([
      'near-localnet:availabilityZone = "us-east-1a": only applies when the stack creates its VPC ' +
        "(near-localnet:vpcId is set: the nodes live in that VPC's subnets, in the first subnet's zone). " +
        "Fix: pulumi config rm near-localnet:availabilityZone --stack staging",
    ]);
    expect(problems({ ...minimal, "near-localnet:subnetIds": "subnet-0123456789abcdef0" })).toEqual([
      'near-localnet:subnetIds = "subnet-0123456789abcdef0": only applies with near-localnet:vpcId (existing-VPC ' +
        "mode). Fix: pulumi config rm near-localnet:subnetIds --stack localnet",
    ]);
  });

  test("tags within AWS's limits, the stack's own tags counted", () => {
    const many = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`t${i}`, "v"]));
    expect(problems({ ...minimal, "near-localnet:tags": JSON.stringify(many) })[0]).toMatch(
      /^near-localnet:tags = .*: is 48 tags; with the stack's own 3 \(near-localnet:stack, Name, near-localnet:layer\) a resource would carry 51, and AWS allows at most 50\. Fix: pulumi config set --path 'near-localnet:tags\.team' platform --stack localnet$/,
    );
    const bad = problems({
      ...minimal,
      "near-localnet:tags": JSON.stringify({ "aws:x": "1", Name: "mine", "cost#center": "1", team: "x".repeat(257) }),
    });
    expect(bad.map((p) => p.replace(/^.*?: (tag .*?)\. Fix: .*$/, "$1"))).toEqual([
      'tag key "aws:x": keys starting with aws: are AWS\'s own',
      'tag key "Name" is one the stack sets itself',
      'tag key "cost#center" may contain only letters, digits, spaces and + - = . _ : / @',
      'tag "team"\'s value has 257 characters (at most 256)',
    ]);
    const cfg = loadConfig(getter({ ...minimal, "near-localnet:tags": '{"Kostenstelle":"Zürich 7/a@b"}' }), "localnet");
    expect(cfg.tags).toEqual({ Kostenstelle: "Zürich 7/a@b" });
  });

  test("namePrefix and the stack name fit every physical name they go into", () => {
    expect(problems({ ...minimal, "near-localnet:namePrefix": "amzn-localnet" })).toEqual([
      'near-localnet:namePrefix = "amzn-localnet": begins the stack\'s SSM document and S3 bucket names, which AWS ' +
        'refuses when they start with "amzn". Fix: pulumi config set near-localnet:namePrefix near-localnet --stack localnet',
    ]);
    expect(problems({ ...minimal, "near-localnet:namePrefix": "xn--localnet" })[0]).toContain('start with "xn--"');
    expect(problems(minimal, "Staging_1")).toEqual([
      'stack name "Staging_1": it goes into the stack\'s physical names (Cloud Map namespace ' +
        "<stack>.<namePrefix>.internal, S3 bucket, SSM documents), so it must be 1-63 lowercase letters, digits or " +
        "inner dashes. Fix: use such a name for the stack (pulumi stack rename <name>, or a new stack and " +
        "Pulumi.<name>.yaml)",
    ]);
    expect(problems(minimal, "s".repeat(64))[0]).toMatch(/^stack name "s{64}"/);
    expect(loadConfig(getter(minimal), "s".repeat(63)).stack).toBe("s".repeat(63));
  });

  test("unknown near-localnet keys, with the nearest known one; other namespaces are not ours", () => {
    const values = { ...minimal, "near-localnet:mpcNodez": "4", "near-localnet:colour": "blue", "pulumi:tags": "{}" };
    expect(() => loadConfig(getter(values), "dev")).not.toThrow();
    let err: unknown;
    try {
      loadConfig(getter(values), "dev", keys(values));
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems).toEqual([
      'near-localnet:mpcNodez is not a configuration key of this program (README "Configuration" lists them); ' +
        "did you mean near-localnet:mpcNodes? Fix: pulumi config rm near-localnet:mpcNodez --stack dev and set " +
        "near-localnet:mpcNodes instead",
      'near-localnet:colour is not a configuration key of this program (README "Configuration" lists them); ' +
        "Fix: pulumi config rm near-localnet:colour --stack dev",
    ]);
  });

  test("every key a section reads is documented in the README", () => {
    const documented = new Set(
      [...readme().matchAll(/`(near-localnet:)?([a-zA-Z0-9]+)`/g)]
        .filter((m) => m.index !== undefined && m.input.lastIndexOf("\n| key |", m.index) > 0)
        .map((m) => m[2]),
    );
    const read = knownConfigKeys().map((k) => k.replace(/^near-localnet:/, ""));
    expect(read).toEqual(expect.arrayContaining(["vpcCidr", "availabilityZone", "faucetPort", "mpcP2pPort"]));
    for (const key of read) expect({ key, documented: documented.has(key) }).toEqual({ key, documented: true });
  });
});

describe("the faucet's limits", () => {
  const faucet = (values: Record<string, unknown>) =>
    loadConfig(getter({ ...minimal, ...values }), "localnet").services;

  test("defaults: 1000 NEAR an hour in all, 200 per client, 16 queued, 64 connections, 10 s / 30 s to send a request", () => {
    const { evm: _evm, ...faucetKeys } = faucet({});
    expect(faucetKeys).toEqual({
      faucetPort: 3031,
      faucetBalanceNear: "100000",
      faucetMaxPerRequestNear: "100",
      faucetMaxPerAccountNear: "1000",
      faucetNearPerHourNear: "1000",
      faucetClientNearPerHourNear: "200",
      faucetQueueLength: 16,
      faucetMaxConnections: 64,
      faucetHeadersTimeoutSeconds: 10,
      faucetRequestTimeoutSeconds: 30,
    });
  });

  test("each key can be set", () => {
    expect(
      faucet({
        "near-localnet:faucetNearPerHour": "5000",
        "near-localnet:faucetClientNearPerHour": "500",
        "near-localnet:faucetQueueLength": 4,
        "near-localnet:faucetMaxConnections": "8",
        "near-localnet:faucetHeadersTimeoutSeconds": 5,
        "near-localnet:faucetRequestTimeoutSeconds": 5,
      }),
    ).toMatchObject({
      faucetNearPerHourNear: "5000",
      faucetClientNearPerHourNear: "500",
      faucetQueueLength: 4,
      faucetMaxConnections: 8,
      faucetHeadersTimeoutSeconds: 5,
      faucetRequestTimeoutSeconds: 5,
    });
  });

  test.each([
    [
      { "near-localnet:faucetQueueLength": 0 },
      "near-localnet:faucetQueueLength = 0: must be a whole number from 1 to 1000. Fix: pulumi config set near-localnet:faucetQueueLength 16 --stack localnet",
    ],
    [
      { "near-localnet:faucetMaxConnections": "lots" },
      'near-localnet:faucetMaxConnections = "lots": must be a whole number from 1 to 10000. Fix: pulumi config set near-localnet:faucetMaxConnections 64 --stack localnet',
    ],
    [
      { "near-localnet:faucetClientNearPerHour": "50" },
      'near-localnet:faucetClientNearPerHour = "50": must be at least near-localnet:faucetMaxPerRequest (100). Fix: pulumi config set near-localnet:faucetClientNearPerHour 100 --stack localnet',
    ],
    [
      { "near-localnet:faucetNearPerHour": "150" },
      'near-localnet:faucetNearPerHour = "150": must be at least near-localnet:faucetClientNearPerHour (200). Fix: pulumi config set near-localnet:faucetNearPerHour 200 --stack localnet',
    ],
    [
      { "near-localnet:faucetMaxPerRequest": "5" },
      'near-localnet:faucetMaxPerRequest = "5": must be at least a new account\'s 10 NEAR. Fix: pulumi config set near-localnet:faucetMaxPerRequest 100 --stack localnet',
    ],
    [
      { "near-localnet:faucetHeadersTimeoutSeconds": 60 },
      "near-localnet:faucetHeadersTimeoutSeconds = 60: must be at most near-localnet:faucetRequestTimeoutSeconds (30). Fix: pulumi config set near-localnet:faucetHeadersTimeoutSeconds 30 --stack localnet",
    ],
  ])("refuses %j naming the key and the fix", (values, problem) => {
    expect(problems({ ...minimal, ...values })).toContain(problem);
  });
});
