/**
 * What a relay process costs the machine, read from Linux's /proc and `du`: resident memory (VmRSS)
 * and CPU time (utime + stime) summed over the relay's process tree, and the disk its data directory
 * takes. Summing over the tree counts helper processes a relay may start, so relays that fork and
 * relays that use threads are compared alike.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux for every architecture in use). */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parentheses. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

/** The process and all its descendants, found through each process's parent id. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** Resident memory of the process tree in MB (VmRSS, which counts mapped database pages in memory). */
export function rssMb(root: number): number {
  let kb = 0;
  for (const pid of processTree(root)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // ended meanwhile
    }
  }
  return kb / 1024;
}

/** CPU seconds the process tree has used so far, user and system. */
export function cpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    const f = statFields(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** Bytes the directory takes on disk (allocated blocks, so sparse files count what they use). */
export function diskBytes(dir: string): number {
  return Number(execFileSync("du", ["-s", "--block-size=1", dir]).toString().split("\t")[0]);
}
