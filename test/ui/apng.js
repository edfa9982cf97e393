// Assembles PNG screenshots of one size into an animated PNG (APNG: every browser and VS Code's
// details page play it; no encoder needed, the frames' compressed image data is reused as is).
// Spec: https://wiki.mozilla.org/APNG_Specification
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node CommonJS, run without a build */
/* global require, module, Buffer */
'use strict';
const zlib = require('zlib');

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunks(png) {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  const out = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    out.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** frames: [{ png: Buffer, ms: number }], all of one size and colour type; loops forever. */
function apng(frames) {
  if (frames.length === 0) throw new Error('no frames');
  const parsed = frames.map((f) => chunks(f.png));
  const ihdr = parsed[0].find((c) => c.type === 'IHDR').data;
  for (const p of parsed) {
    if (!p.find((c) => c.type === 'IHDR').data.equals(ihdr)) throw new Error('frames differ in size or colour type');
  }
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(frames.length, 0); // frames
  actl.writeUInt32BE(0, 4); // plays: 0 = forever
  // The first frame's ancillary chunks before its image data (colour space and the like) hold for all.
  const firstData = parsed[0].findIndex((c) => c.type === 'IDAT');
  const ancillary = parsed[0].slice(1, firstData).map((c) => chunk(c.type, c.data));
  const out = [SIGNATURE, chunk('IHDR', ihdr), ...ancillary, chunk('acTL', actl)];
  let sequence = 0;
  parsed.forEach((p, i) => {
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(sequence++, 0);
    fctl.writeUInt32BE(width, 4);
    fctl.writeUInt32BE(height, 8);
    fctl.writeUInt32BE(0, 12); // x offset
    fctl.writeUInt32BE(0, 16); // y offset
    fctl.writeUInt16BE(Math.round(frames[i].ms), 20); // delay numerator
    fctl.writeUInt16BE(1000, 22); // delay denominator: ms
    fctl.writeUInt8(0, 24); // dispose: none
    fctl.writeUInt8(0, 25); // blend: source
    out.push(chunk('fcTL', fctl));
    for (const c of p.filter((c) => c.type === 'IDAT')) {
      if (i === 0) {
        out.push(chunk('IDAT', c.data));
      } else {
        const seq = Buffer.alloc(4);
        seq.writeUInt32BE(sequence++, 0);
        out.push(chunk('fdAT', Buffer.concat([seq, c.data])));
      }
    }
  });
  out.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(out);
}

module.exports = { apng, chunks };
