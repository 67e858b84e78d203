// The record of a restore in progress, kept in <repo>/.near-localnet/restore/<stack>.json: which
// volumes each host had (the ones to go back to) and which it gets. A restore that stops at any
// point (an error, Ctrl-C, SIGKILL) resumes from it, and `restore --undo` reads it to go back.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface JournalHost {
  name: string;
  instanceId: string;
  /** The volume the host had before the restore (the program's volume until adopted). */
  previousVolumeId: string;
  snapshotId: string;
  /** Set once CreateVolume returned. */
  restoredVolumeId?: string;
}

export interface RestoreJournal {
  stack: string;
  set: string;
  startedAt: string;
  hosts: JournalHost[];
  /** The Pulumi state names the restored volumes (the restore finished). */
  adopted: boolean;
}

export interface JournalStore {
  read(): RestoreJournal | undefined;
  write(j: RestoreJournal): void;
  remove(): void;
  path: string;
}

export function journalStore(workDir: string, stack: string): JournalStore {
  const path = join(workDir, ".near-localnet", "restore", `${stack}.json`);
  return {
    path,
    read: () => (existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as RestoreJournal) : undefined),
    write(j) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.tmp`, JSON.stringify(j, null, 2) + "\n");
      renameSync(`${path}.tmp`, path);
    },
    remove: () => rmSync(path, { force: true }),
  };
}
