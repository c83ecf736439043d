import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { jarsDir, KAFKA_VERSION, pomFile } from './layout.ts';

export class MissingToolError extends Error {}

/** Fails with an actionable message when a command the broker needs is not installed. */
export function requireTool(command: string, versionFlag: string, howToInstall: string): void {
  const probe = spawnSync(command, [versionFlag], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new MissingToolError(`'${command}' was not found. ${howToInstall}`);
  }
}

function hasJars(): boolean {
  return existsSync(jarsDir) && readdirSync(jarsDir).some((name) => name.startsWith(`kafka_2.13-${KAFKA_VERSION}`));
}

/** Downloads the official broker and its runtime dependencies from Maven Central once; later calls are no-ops. */
export function provisionJars(log: (line: string) => void): void {
  requireTool('java', '-version', 'Install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless).');
  if (hasJars()) return;
  requireTool('mvn', '-v', 'Install Apache Maven (Debian: apt-get install maven); it fetches the Kafka jars from Maven Central.');
  log(`fetching Apache Kafka ${KAFKA_VERSION} from Maven Central into ${jarsDir}`);
  const result = spawnSync(
    'mvn',
    ['-q', '-B', '-f', pomFile, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${jarsDir}`],
    { stdio: 'inherit' },
  );
  if (result.status !== 0 || !hasJars()) {
    throw new Error(`Maven could not fetch org.apache.kafka:kafka_2.13:${KAFKA_VERSION} (exit ${result.status}).`);
  }
}
