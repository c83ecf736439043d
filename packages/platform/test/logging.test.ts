import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { ConfigError, loadConfig, logSettings } from '../src/config/index.ts';
import { createLogger } from '../src/logging/index.ts';

/** Starts every ANSI colour sequence. */
const ESC = '\x1b[';

/** A destination that keeps every line written to it. */
function capture() {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

const isJson = (line: string) => {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
};

const saved = { LOG_FORMAT: process.env.LOG_FORMAT, NO_COLOR: process.env.NO_COLOR };
beforeEach(() => {
  delete process.env.LOG_FORMAT;
  delete process.env.NO_COLOR;
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

test('LOG_FORMAT=pretty writes a human line (time, level name, service, message), still masked and redacted', () => {
  process.env.LOG_FORMAT = 'pretty';
  const out = capture();
  const logger = createLogger('gateway', 'info', { destination: out });
  logger.info({ phoneNumber: '+84909123456', voucherCode: 'ABCD-EFGH-JKLM-NPQR', request: { otp: '123456' } }, 'code delivered');
  assert.equal(out.lines.length, 1);
  const line = out.lines[0]!;
  assert.ok(!isJson(line), 'not a JSON object');
  assert.ok(line.includes(ESC), 'coloured');
  const plain = stripVTControlCharacters(line);
  assert.match(plain, /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(gateway\): code delivered/);
  assert.match(plain, /\*+456/, 'the phone number is masked to its last three digits');
  assert.doesNotMatch(plain, /909123|ABCD-EFGH|123456/, 'no phone number, voucher code or one-time code');
  assert.match(plain, /\[redacted\]/);
});

test('NO_COLOR turns the colours off; errors keep their stack', () => {
  process.env.LOG_FORMAT = 'pretty';
  process.env.NO_COLOR = '1';
  const out = capture();
  createLogger('sms', 'info', { destination: out }).error({ err: new Error('the SMS gateway hung up') }, 'send failed');
  assert.ok(!out.lines.join('').includes(ESC), 'no colour');
  assert.match(out.lines.join(''), /ERROR \(sms\): send failed[\s\S]*the SMS gateway hung up[\s\S]*at /);
});

test('LOG_FORMAT=json (the default off a terminal) keeps one redacted JSON object a line', () => {
  for (const format of ['json', undefined]) {
    if (format) process.env.LOG_FORMAT = format;
    const out = capture();
    createLogger('vps', 'info', { destination: out }).info({ to: '+84909123456', token: 'secret' }, 'hello');
    const entry = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    assert.equal(entry.msg, 'hello');
    assert.equal(entry.to, '*********456');
    assert.equal(entry.token, '[redacted]');
  }
  assert.equal(loadConfig(logSettings, {}).LOG_FORMAT, process.stdout.isTTY ? 'pretty' : 'json');
});

test('a bad LOG_FORMAT is refused at start-up, by name', () => {
  assert.equal(loadConfig(logSettings, { LOG_FORMAT: 'pretty' }).LOG_FORMAT, 'pretty');
  assert.throws(
    () => loadConfig(logSettings, { LOG_FORMAT: 'yaml' }),
    (error: unknown) => error instanceof ConfigError && /LOG_FORMAT must be one of json, pretty, got 'yaml'/.test(error.message),
  );
});
