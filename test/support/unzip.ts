/**
 * Reads the entries of a zip archive with node:zlib only, so the demo, the benchmark and the
 * tests can open dist/rotator.zip on a machine without an `unzip` CLI.
 *
 * Sizes and offsets come from the central directory, not the local headers: a local header
 * may defer them to a data descriptor (general purpose bit 3). Supports the two methods a
 * Lambda bundle uses (stored, deflate); no zip64, no encryption, no multi-disk archives.
 */
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { crc32, inflateRawSync } from "node:zlib";

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN_BYTES = 22;
// The end record is followed by a comment of at most 65535 bytes.
const EOCD_MAX_SEARCH = EOCD_MIN_BYTES + 0xffff;

const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

export class ZipFormatError extends Error {
  override readonly name = "ZipFormatError";
  constructor(message: string) {
    super(`${message}; rebuild the archive with \`npm run build\``);
  }
}

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Unix mode bits from the external attributes (0 when the archive was made on DOS). */
  readonly unixMode: number;
  readonly localHeaderOffset: number;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  const lowest = Math.max(0, zip.length - EOCD_MAX_SEARCH);
  for (let offset = zip.length - EOCD_MIN_BYTES; offset >= lowest; offset--) {
    if (zip.readUInt32LE(offset) === EOCD_SIGNATURE) return offset;
  }
  throw new ZipFormatError("not a zip archive (no end of central directory record)");
}

/** Lists the archive's entries in central-directory order. */
export function listZipEntries(zip: Buffer): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 46 > zip.length || zip.readUInt32LE(offset) !== CENTRAL_SIGNATURE) {
      throw new ZipFormatError(`central directory entry ${i} is corrupt`);
    }
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.toString("utf8", offset + 46, offset + 46 + nameLength),
      method: zip.readUInt16LE(offset + 10),
      crc32: zip.readUInt32LE(offset + 16),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      unixMode: zip.readUInt32LE(offset + 38) >>> 16,
      localHeaderOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Returns the uncompressed bytes of one entry, checking its size and CRC-32. */
export function readZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const header = entry.localHeaderOffset;
  if (zip.readUInt32LE(header) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`local header of ${entry.name} is missing`);
  }
  const dataStart = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
  const data = zip.subarray(dataStart, dataStart + entry.compressedSize);
  let contents: Buffer;
  if (entry.method === METHOD_STORED) contents = Buffer.from(data);
  else if (entry.method === METHOD_DEFLATE) contents = inflateRawSync(data);
  else
    throw new ZipFormatError(`${entry.name} uses unsupported compression method ${entry.method}`);
  if (contents.length !== entry.size || crc32(contents) >>> 0 !== entry.crc32) {
    throw new ZipFormatError(`${entry.name} is corrupt (size or CRC-32 mismatch)`);
  }
  return contents;
}

/**
 * Writes every entry of a flat archive (the bundle: index.js, index.mjs and its chunks) into `dir`, as
 * the Lambda runtime unpacks it into /var/task, and returns the names written.
 */
export function extractZip(zip: Buffer, dir: string): string[] {
  const entries = listZipEntries(zip);
  for (const entry of entries) {
    if (entry.name !== basename(entry.name)) {
      throw new ZipFormatError(`entry ${entry.name} is not at the archive's root`);
    }
    writeFileSync(join(dir, entry.name), readZipEntry(zip, entry));
  }
  return entries.map((entry) => entry.name);
}
