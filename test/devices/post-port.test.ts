import { describe, expect, it } from 'vitest';
import { PostPort } from '../../src/devices/post-port.js';
import { PortBus } from '../../src/machine/port-bus.js';

// QEMU hw/i386/pc.c: ioport80_write does nothing, ioport80_read returns all ones.

describe('POST port 0x80', () => {
  it('keeps the last code written and reads all ones', () => {
    const bus = new PortBus();
    const post = new PostPort();
    post.register(bus);
    expect(post.lastCode).toBe(-1);
    bus.write(0x80, 1, 0x12);
    bus.write(0x80, 1, 0x34);
    expect(post.lastCode).toBe(0x34);
    expect(post.writes).toBe(2);
    expect(bus.read(0x80, 1)).toBe(0xff);
    expect(bus.read(0x80, 2)).toBe(0xffff);
    const copy = new PostPort();
    copy.loadState(structuredClone(post.saveState()));
    expect(copy.lastCode).toBe(0x34);
    expect(copy.writes).toBe(2);
  });
});
