import { readFile } from 'node:fs/promises';

/**
 * CPU time from /proc (Linux): what a measured interval cost, so that a figure can be given per request. Per-request
 * CPU moves far less between runs than requests per second on a shared machine, and it says where the work is: in the
 * server's own process, or in everything else (the broker, PostgreSQL, the load generator). Elsewhere than Linux the
 * readings are undefined and the report leaves the columns empty.
 */

/** USER_HZ: the unit of /proc's CPU times, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) the processes have used so far. */
async function processCpuMs(pids: readonly number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the 14th
    // field of the line, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** CPU milliseconds every core of the machine has been busy so far (all but idle and I/O wait). */
async function machineBusyMs(): Promise<number> {
  const [cpu] = (await readFile('/proc/stat', 'utf8')).split('\n');
  const [, user, nice, system, , , irq, softirq, steal] = cpu!.trim().split(/\s+/).map(Number);
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / TICKS_PER_SECOND;
}

export interface CpuCost {
  /** Microseconds of CPU per request in the server's own process(es). */
  serverUs: number;
  /** Microseconds of CPU per request over the whole machine (server, broker, database, load generator, the rest). */
  machineUs: number;
}

/**
 * Runs `work` and gives the CPU it cost per request (`requestsOf` its result) in each named group of processes and over
 * the whole machine, or undefined without /proc.
 */
export async function measureCpuOf<T, Name extends string>(
  pidsByName: Record<Name, readonly number[]>,
  work: () => Promise<T>,
  requestsOf: (result: T) => number,
) {
  const names = Object.keys(pidsByName) as Name[];
  const read = () => Promise.all([machineBusyMs(), ...names.map((name) => processCpuMs(pidsByName[name]))]).catch(() => undefined);
  const before = await read();
  const result = await work();
  const after = before && (await read());
  const requests = requestsOf(result);
  if (!before || !after || requests <= 0) return { result, cpu: undefined };
  const perRequest = (index: number) => Math.round(((after[index]! - before[index]!) * 1000) / requests);
  const byName = Object.fromEntries(names.map((name, index) => [name, perRequest(index + 1)])) as Record<Name, number>;
  return { result, cpu: { ...byName, machineUs: perRequest(0) } };
}

/** Runs `work` and gives the CPU it cost per request (`requestsOf` its result), or undefined without /proc. */
export async function measureCpu<T>(pids: readonly number[], work: () => Promise<T>, requestsOf: (result: T) => number) {
  const { result, cpu } = await measureCpuOf({ serverUs: pids }, work, requestsOf);
  return { result, cpu: cpu as CpuCost | undefined };
}
