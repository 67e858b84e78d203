// The Pulumi state rewrite of a restore: every holder of a replaced volume id, the gzip'd user data
// packed the way the program packs it, and the attachment id the AWS provider derives.
import { describe, expect, it } from "@jest/globals";
import { adoptVolumes, stateDataVolumes, volumeAttachmentId } from "../snapshots/adopt.js";
import { gunzipped, gzipUserData } from "../../platform/host/render.js";

const OLD = "vol-0123456789abcdef0";
const NEW = "vol-0fedcba9876543210";

describe("adoptVolumes", () => {
  it("derives the attachment id as the AWS provider does (CRC-32 of device-instance-volume-)", () => {
    // zlib.crc32 in Python gives 3309022218 for the same text.
    expect(volumeAttachmentId("/dev/sdf", "i-1234567890abcdef0", "vol-1234567890abcdef0")).toBe("vai-3309022218");
  });

  it("rewrites ids, ARNs, triggers and user data, and leaves other volumes alone", () => {
    const script = `#!/bin/bash\nDATA_VOLUME_ID='${OLD}'\nOTHER='vol-0aaaaaaaaaaaaaaaa'\n`;
    const deployment = {
      manifest: { version: "3.248.0" },
      resources: [
        {
          urn: "urn:pulumi:localnet::near-localnet::near-localnet:index:NodeHost$aws:ebs/volume:Volume::base-data",
          type: "aws:ebs/volume:Volume",
          id: OLD,
          outputs: { id: OLD, arn: `arn:aws:ec2:us-east-1:123456789012:volume/${OLD}` },
        },
        {
          urn: "urn:pulumi:localnet::near-localnet::near-localnet:index:NodeHost$aws:ec2/volumeAttachment:VolumeAttachment::base-data-attachment",
          type: "aws:ec2/volumeAttachment:VolumeAttachment",
          id: volumeAttachmentId("/dev/sdf", "i-0base", OLD),
          inputs: { volumeId: OLD, instanceId: "i-0base", deviceName: "/dev/sdf" },
          outputs: { volumeId: OLD, instanceId: "i-0base", deviceName: "/dev/sdf", id: "vai-1" },
        },
        {
          urn: "urn:pulumi:localnet::near-localnet::near-localnet:index:NodeHost$aws:ec2/instance:Instance::base-instance",
          type: "aws:ec2/instance:Instance",
          id: "i-0base",
          inputs: { userDataBase64: gzipUserData(script) },
          outputs: { userDataBase64: gzipUserData(script) },
        },
        {
          urn: "urn:pulumi:localnet::near-localnet::near-localnet:index:NearBase$command:local:Command::genesis-published",
          type: "command:local:Command",
          inputs: { triggers: ["i-0base", OLD], environment: { DATA_VOLUME_ID: OLD } },
        },
      ],
    };
    const out = adoptVolumes(deployment, { [OLD]: NEW }) as typeof deployment;
    const [volume, attachment, instance, genesis] = out.resources;
    expect(volume.id).toBe(NEW);
    expect(volume.outputs).toEqual({ id: NEW, arn: `arn:aws:ec2:us-east-1:123456789012:volume/${NEW}` });
    expect(attachment.id).toBe(volumeAttachmentId("/dev/sdf", "i-0base", NEW));
    expect(attachment.outputs).toMatchObject({ volumeId: NEW, id: attachment.id });
    expect(attachment.inputs).toMatchObject({ volumeId: NEW });
    // Exactly what the program computes for the new volume: no user data change, no replacement.
    const expected = gzipUserData(script.replace(OLD, NEW));
    expect(instance.inputs!.userDataBase64).toBe(expected);
    expect(gunzipped(String(instance.outputs!.userDataBase64))).toContain("OTHER='vol-0aaaaaaaaaaaaaaaa'");
    expect(genesis.inputs).toEqual({ triggers: ["i-0base", NEW], environment: { DATA_VOLUME_ID: NEW } });
    expect(out.manifest).toEqual({ version: "3.248.0" });
    expect(stateDataVolumes(out.resources)).toEqual({ base: NEW });
  });
});
