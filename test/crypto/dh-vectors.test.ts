import assert from 'node:assert/strict';
import { getDiffieHellman } from 'node:crypto';
import { test } from 'node:test';
import { CURVE_GROUPS } from '../../src/crypto/dh/curve.js';
import { dhGroup } from '../../src/crypto/dh/index.js';
import { MODP_PRIMES } from '../../src/crypto/dh/modp-primes.js';
import { hex, loadVectors } from './vectors.js';

interface ModpFile {
  groups: { group: number; prime: string; generator: string; bits: number }[];
  cases: {
    group: number;
    priv_i: string;
    priv_r: string;
    pub_i: string;
    pub_r: string;
    shared_secret: string;
  }[];
}

test('MODP primes equal the RFC texts and Node/OpenSSL', () => {
  const file = loadVectors<never>('dh_modp.json') as unknown as ModpFile;
  const nodeName: Record<number, string> = { 1: 'modp1', 2: 'modp2', 5: 'modp5', 14: 'modp14' };
  for (const g of file.groups) {
    assert.equal(MODP_PRIMES[g.group], g.prime, `group ${g.group}`);
    assert.equal(g.generator, '02');
    assert.equal(dhGroup(g.group).publicLength, g.bits / 8);
    const name = nodeName[g.group] ?? `modp${g.group}`;
    assert.equal(getDiffieHellman(name).getPrime('hex'), g.prime, `node ${name}`);
  }
});

test('MODP known answers (dh_modp.json): public values and g^xy, both ways', () => {
  const file = loadVectors<never>('dh_modp.json') as unknown as ModpFile;
  assert.equal(file.cases.length, 8);
  for (const c of file.cases) {
    const g = dhGroup(c.group);
    const i = g.fromPrivate(hex(c.priv_i));
    const r = g.fromPrivate(hex(c.priv_r));
    assert.equal(i.publicValue.toString('hex'), c.pub_i, `pub_i group ${c.group}`);
    assert.equal(r.publicValue.toString('hex'), c.pub_r, `pub_r group ${c.group}`);
    assert.equal(i.computeSecret(hex(c.pub_r)).toString('hex'), c.shared_secret, `g^ir group ${c.group}`);
    assert.equal(r.computeSecret(hex(c.pub_i)).toString('hex'), c.shared_secret, `g^ri group ${c.group}`);
  }
});

interface EcpCase {
  group: number;
  i: string;
  r: string;
  gix: string;
  giy: string;
  grx: string;
  gry: string;
  girx: string;
  ke_data_i: string;
  ke_data_r: string;
  kei_payload: string;
  shared_secret: string;
}

test('ECP groups 19/20/21 (RFC 5903 section 8)', () => {
  const file = loadVectors<EcpCase>('dh_ecp_rfc5903.json');
  assert.equal(file.cases.length, 3);
  for (const c of file.cases) {
    const g = dhGroup(c.group);
    const i = g.fromPrivate(hex(c.i));
    const r = g.fromPrivate(hex(c.r));
    assert.equal(i.publicValue.toString('hex'), c.gix + c.giy);
    assert.equal(i.publicValue.toString('hex'), c.ke_data_i);
    assert.equal(r.publicValue.toString('hex'), c.ke_data_r);
    // The KE payload of the RFC ends with exactly our public value (RFC 5903 section 7).
    assert.ok(c.kei_payload.endsWith(i.publicValue.toString('hex')));
    assert.equal(i.computeSecret(hex(c.ke_data_r)).toString('hex'), c.girx);
    assert.equal(r.computeSecret(hex(c.ke_data_i)).toString('hex'), c.shared_secret);
  }
});

interface CurveCase {
  kind: 'scalar_mult' | 'iterated' | 'dh';
  curve: 'X25519' | 'X448';
  scalar?: string;
  u_in?: string;
  u_out?: string;
  iterations?: number;
  k_initial?: string;
  result?: string;
  priv_i?: string;
  priv_r?: string;
  pub_i?: string;
  pub_r?: string;
  shared_secret?: string;
}

test('X25519 / X448 (RFC 7748 sections 5.2, 6.1, 6.2; RFC 8031 Appendix A)', () => {
  const file = loadVectors<CurveCase>('dh_x25519_x448.json');
  let run = 0;
  for (const c of file.cases) {
    const group = CURVE_GROUPS.find((g) => g.id === (c.curve === 'X25519' ? 31 : 32));
    assert.ok(group);
    if (c.kind === 'scalar_mult') {
      const out = group.scalarMult(group.privateKey(hex(c.scalar ?? '')), hex(c.u_in ?? ''));
      assert.equal(out.toString('hex'), c.u_out);
    } else if (c.kind === 'iterated') {
      // The 1,000,000-iteration case takes minutes: skipped on purpose.
      if ((c.iterations ?? 0) > 1000) continue;
      let k: Buffer = hex(c.k_initial ?? '');
      let u: Buffer = Buffer.from(k);
      for (let n = 0; n < (c.iterations ?? 0); n++) {
        const next = group.scalarMult(group.privateKey(k), u);
        u = k;
        k = next;
      }
      assert.equal(k.toString('hex'), c.result, `${c.curve} ${c.iterations} iterations`);
    } else {
      const i = group.fromPrivate(hex(c.priv_i ?? ''));
      const r = group.fromPrivate(hex(c.priv_r ?? ''));
      assert.equal(i.publicValue.toString('hex'), c.pub_i);
      assert.equal(r.publicValue.toString('hex'), c.pub_r);
      assert.equal(i.computeSecret(hex(c.pub_r ?? '')).toString('hex'), c.shared_secret);
      assert.equal(r.computeSecret(hex(c.pub_i ?? '')).toString('hex'), c.shared_secret);
    }
    run++;
  }
  assert.equal(run, 11);
});
