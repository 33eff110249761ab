/**
 * IVF, the minimal container libvpx writes: a 32-byte file header ("DKIF", codec FourCC,
 * size, frame rate) then frames, each a 12-byte header (size, 64-bit pts) and the frame.
 * Used for the built-in test-pattern clip; bounds-checked so a damaged file is an error,
 * not a crash in the middle of streaming.
 */
export interface IvfClip {
  fourcc: string;
  width: number;
  height: number;
  /** Frames per second as numerator/denominator of the IVF time base. */
  fps: number;
  frames: Buffer[];
}

export function parseIvf(data: Buffer): IvfClip {
  if (data.length < 32 || data.toString("latin1", 0, 4) !== "DKIF") throw new Error("not an IVF file (no DKIF signature)");
  const headerSize = data.readUInt16LE(6);
  const fourcc = data.toString("latin1", 8, 12);
  const width = data.readUInt16LE(12);
  const height = data.readUInt16LE(14);
  const rate = data.readUInt32LE(16);
  const scale = data.readUInt32LE(20);
  const frames: Buffer[] = [];
  let offset = headerSize;
  while (offset + 12 <= data.length) {
    const size = data.readUInt32LE(offset);
    const start = offset + 12;
    if (start + size > data.length) throw new Error(`IVF frame ${frames.length} runs past the end of the file`);
    frames.push(data.subarray(start, start + size));
    offset = start + size;
  }
  if (frames.length === 0) throw new Error("IVF file holds no frames");
  return { fourcc, width, height, fps: scale > 0 ? rate / scale : 30, frames };
}
