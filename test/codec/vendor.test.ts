/**
 * Well-known Vendor IDs: each one defined as an MD5 is re-derived here from its published string.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { KNOWN_VENDOR_IDS, recognizeVendorId, vendorIdBytes } from '../../src/codec/vendor.js';
import { h } from './helpers.js';

const md5 = (s: string) => createHash('md5').update(s, 'latin1').digest('hex');

describe('vendor IDs', () => {
  it('every MD5-defined vendor ID is the MD5 of its string (truncated where the ID is shorter)', () => {
    let checked = 0;
    for (const v of KNOWN_VENDOR_IDS) {
      if (v.md5Of === undefined) continue;
      assert.equal(v.hex, md5(v.md5Of).slice(0, v.hex.length), v.name);
      checked++;
    }
    assert.ok(checked >= 18, `${checked} derivations checked`);
  });

  it('Cisco Unity is MD5("CISCO-UNITY") with its last two bytes replaced by the version 1.0', () => {
    const unity = KNOWN_VENDOR_IDS.find((v) => v.name === 'CISCO_UNITY');
    assert.equal(unity?.hex, `${md5('CISCO-UNITY').slice(0, 28)}0100`);
  });

  it('the RFC 3706 DPD and draft-beaulieu XAUTH vendor IDs are the published bytes', () => {
    assert.equal(recognizeVendorId(h('afcad71368a1f1c96b8696fc77570100'))?.name, 'DPD');
    assert.equal(recognizeVendorId(h('09002689dfd6b712'))?.name, 'XAUTH');
  });

  it('recognises the NAT-T family, strongSwan, and FRAGMENTATION by prefix', () => {
    assert.equal(recognizeVendorId(h('4a131c81070358455c5728f20e95452f'))?.name, 'NAT_T_RFC3947');
    assert.equal(recognizeVendorId(h('90cb80913ebb696e086381b5ec427b1f'))?.name, 'NAT_T_DRAFT_02_N');
    assert.equal(recognizeVendorId(h('cd60464335df21f87cfdb2fc68b6a448'))?.name, 'NAT_T_DRAFT_02');
    assert.equal(recognizeVendorId(h('27bab5dc01ea0760ea4e3190ac27c0d0'))?.name, 'NAT_T_STENBERG_01');
    assert.equal(recognizeVendorId(h('882fe56d6fd20dbc2251613b2ebe5beb'))?.name, 'STRONGSWAN');
    assert.equal(recognizeVendorId(h('4048b7d56ebce88525e7de7f00d6c2d3c0000000'))?.name, 'FRAGMENTATION');
    assert.equal(recognizeVendorId(h('4048b7d56ebce88525e7de7f00d6c2d3'))?.name, 'FRAGMENTATION');
    assert.equal(
      recognizeVendorId(h('1e2b516905991c7d7c96fcbfb587e46100000009'))?.name,
      'MS_NT5_ISAKMPOAKLEY',
    );
    assert.equal(recognizeVendorId(h('882fe56d6fd20dbc2251613b2ebe5b')), undefined);
    assert.equal(recognizeVendorId(h('')), undefined);
  });

  it('names are unique and map back to their bytes', () => {
    const names = KNOWN_VENDOR_IDS.map((v) => v.name);
    assert.equal(new Set(names).size, names.length);
    for (const v of KNOWN_VENDOR_IDS) {
      assert.equal(Buffer.from(vendorIdBytes(v.name) ?? []).toString('hex'), v.hex);
      assert.equal(recognizeVendorId(h(v.hex))?.name, v.name);
    }
  });
});
