import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { jarsDir, KAFKA_VERSION, pomFile } from './layout.ts';

export class MissingToolError extends Error {}

/** Fails with an actionable message when a command the broker needs is not installed. */
export function requireTool(command: string, versionFlag: string, howToInstall: string): void {
  const probe = spawnSync(command, [versionFlag], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new MissingToolError(`'${command}' was not found. ${howToInstall}`);
  }
}

/** The jars the cache must hold: the broker, and Kafka's own command-line tools (an older cache lacks those). */
const requiredJars = [`kafka_2.13-${KAFKA_VERSION}.jar`, `kafka-tools-${KAFKA_VERSION}.jar`];

function hasJars(): boolean {
  if (!existsSync(jarsDir)) return false;
  const present = new Set(readdirSync(jarsDir));
  return requiredJars.every((jar) => present.has(jar));
}

/**
 * Maven's arguments and environment. Outside a terminal (CI, a log file, a test runner) it must not write colour
 * codes: `-B` and `-Dstyle.color=never` turn colours off, and `jansi.noreset` stops the bare reset codes that the
 * Maven 3.8 of Debian still writes at start and exit (it has to be a JVM option, set before Maven parses `-D`).
 */
function mavenInvocation(): { args: string[]; env: NodeJS.ProcessEnv } {
  const args = ['-q', '-B', '-f', pomFile, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${jarsDir}`];
  if (process.stdout.isTTY && process.stderr.isTTY) return { args, env: process.env };
  const mavenOpts = [process.env.MAVEN_OPTS, '-Djansi.noreset=true'].filter(Boolean).join(' ');
  return { args: ['-Dstyle.color=never', ...args], env: { ...process.env, MAVEN_OPTS: mavenOpts } };
}

/**
 * Downloads the official broker, its command-line tools and their runtime dependencies from Maven Central once; later
 * calls are no-ops. A cache missing any of them is topped up (jars already there are kept).
 */
export function provisionJars(log: (line: string) => void): void {
  requireTool('java', '-version', 'Install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless).');
  if (hasJars()) return;
  requireTool('mvn', '-v', 'Install Apache Maven (Debian: apt-get install maven); it fetches the Kafka jars from Maven Central.');
  log(`fetching Apache Kafka ${KAFKA_VERSION} (broker and command-line tools) from Maven Central into ${jarsDir}`);
  const { args, env } = mavenInvocation();
  const result = spawnSync('mvn', args, { stdio: 'inherit', env });
  if (result.status !== 0 || !hasJars()) {
    const missing = requiredJars.filter((jar) => !existsSync(join(jarsDir, jar)));
    throw new Error(
      `Maven could not fetch Apache Kafka ${KAFKA_VERSION} from Maven Central (exit ${result.status}${missing.length ? `; missing ${missing.join(', ')}` : ''}).`,
    );
  }
}
