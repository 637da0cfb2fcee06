// Files as citizens and agents send them, for the attachment tests.

/** A JPEG as a phone writes it: an EXIF block with GPS coordinates before the picture. */
export function jpegWithGps(): Buffer {
  const segment = (marker: number, data: Buffer) => {
    const head = Buffer.from([0xff, marker, 0, 0]);
    head.writeUInt16BE(data.length + 2, 2);
    return Buffer.concat([head, data]);
  };
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0MM\0*', 'latin1'), Buffer.from('GPSLatitude 10.4603 N GPSLongitude 105.6325 E', 'latin1')])),
    segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])),
    segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    Buffer.from([0x12, 0x34, 0x56, 0x78, 0xff, 0xd9]),
  ]);
}

/** A small but real PDF. */
export function pdf(title: string, padding = 0): Buffer {
  return Buffer.from(`%PDF-1.4\n1 0 obj << /Title (${title}) >> endobj\n%${'x'.repeat(padding)}\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}
