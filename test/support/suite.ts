/**
 * Suites that need something this machine may lack (root, strongSwan, tshark, qemu), skipped so the
 * runner's summary counts every skipped test: node:test counts a skipped `describe` as nothing at
 * all, so 30 interop tests could vanish from "skipped 0". Inside `suite(name, { skip }, fn)`, `it`
 * registers each test as skipped with the reason and the hooks do not run.
 *
 * With IKETS_REQUIRE_INTEROP=1 (set by .ci/run as root, where everything is installed) a suite that
 * would skip fails instead, so CI cannot pass by silently running less than it should.
 */
import * as nodeTest from 'node:test';

type TestFn = (t: nodeTest.TestContext) => void | Promise<void>;
type HookFn = () => void | Promise<void>;
type TestOptions = nodeTest.TestOptions;

let skipping: string | undefined;

export function suite(name: string, options: { skip: string | false }, fn: () => void): void {
  const reason = options.skip === false || options.skip === '' ? undefined : options.skip;
  if (reason !== undefined && process.env.IKETS_REQUIRE_INTEROP === '1') {
    nodeTest.describe(name, () => {
      nodeTest.it('has what it needs (IKETS_REQUIRE_INTEROP=1)', () => {
        throw new Error(`required suite cannot run: ${reason}`);
      });
    });
    return;
  }
  nodeTest.describe(name, () => {
    const outer = skipping;
    skipping = reason ?? outer;
    try {
      fn();
    } finally {
      skipping = outer;
    }
  });
}

export function it(name: string, options: TestOptions | TestFn, fn?: TestFn): void {
  const body = typeof options === 'function' ? options : fn;
  const opts = typeof options === 'function' ? {} : options;
  if (skipping !== undefined) nodeTest.it(name, { ...opts, skip: skipping }, () => {});
  else nodeTest.it(name, opts, body);
}

export const describe = (name: string, fn: () => void): void => {
  nodeTest.describe(name, fn);
};

const hook =
  (register: (fn: HookFn) => void) =>
  (fn: HookFn): void => {
    if (skipping === undefined) register(fn);
  };

export const before = hook((fn) => nodeTest.before(fn));
export const after = hook((fn) => nodeTest.after(fn));
export const beforeEach = hook((fn) => nodeTest.beforeEach(fn));
export const afterEach = hook((fn) => nodeTest.afterEach(fn));
