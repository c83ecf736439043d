import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { jarsDir, packageDir } from './layout.ts';
import { provisionJars } from './provision.ts';

export interface KafkaToolOptions {
  /** Written to the tool's stdin, which is then closed (a console producer sends one record per line). */
  input?: string;
  /** The tool is killed (SIGKILL) after this long; the result then has `signal` set. Default 60 s. */
  timeoutMs?: number;
  /** Where provisioning reports a download, if the tools are not in the cache yet. */
  log?: (line: string) => void;
}

export interface KafkaToolResult {
  /** The exit code, or null when the tool was killed. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Logging for the tools: warnings on stderr, so stdout holds only the tool's own output. */
const toolsLog4jFile = join(packageDir, 'tools-log4j2.properties');

/**
 * Runs one of Apache Kafka's own command-line tools, e.g. `org.apache.kafka.tools.ConsoleProducer`, the way the
 * distribution's `bin/*.sh` scripts do (`java -cp 'libs/*' <mainClass> <args>`), from the jars provisioned from Maven
 * Central (fetched first if the cache lacks them). It is a client independent of this project's own Kafka code.
 */
export async function runKafkaTool(mainClass: string, args: string[], options: KafkaToolOptions = {}): Promise<KafkaToolResult> {
  provisionJars(options.log ?? ((line) => console.log(`[kafka] ${line}`)));
  const javaArgs = [
    `-Dlog4j2.configurationFile=${toolsLog4jFile}`,
    '-Xms32m',
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1',
    '-cp',
    join(jarsDir, '*'),
    mainClass,
    ...args,
  ];
  const child = spawn('java', javaArgs, { stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => {}); // a tool that exits early closes its stdin; its exit status says why
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
