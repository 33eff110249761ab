import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodIpAllocator } from './podIps.js';

test('allocate -> sequential loopback addresses under the prefix, skipping .0 and .1', () => {
  const ips = new PodIpAllocator('127.30');
  assert.deepEqual([ips.allocate(), ips.allocate(), ips.allocate()], ['127.30.0.2', '127.30.0.3', '127.30.0.4']);
});

test('release -> the address is not reused before the others', () => {
  const ips = new PodIpAllocator('127.30');
  const first = ips.allocate();
  ips.release(first);
  assert.notEqual(ips.allocate(), first);
});

test('addresses roll over into the next third octet after .254', () => {
  const ips = new PodIpAllocator('127.30');
  let last = '';
  for (let i = 0; i < 254; i++) last = ips.allocate();
  assert.equal(last, '127.30.1.2');
});

test('a prefix outside 127/8 or malformed -> rejected with the expected form', () => {
  assert.throws(() => new PodIpAllocator('10.0'), /127\.<0-255>/);
  assert.throws(() => new PodIpAllocator('127.300'), /127\.<0-255>/);
  assert.throws(() => new PodIpAllocator('127'), /127\.<0-255>/);
});
