/* ry_media: an attachment's media type, recognised from its content. */
#ifndef RY_MEDIA_H
#define RY_MEDIA_H

#include <stddef.h>

#define RY_MEDIA_PDF "application/pdf"
#define RY_MEDIA_JPEG "image/jpeg"
#define RY_MEDIA_PNG "image/png"
#define RY_MEDIA_ZIP "application/zip"
#define RY_MEDIA_OCTET "application/octet-stream"

/* Returns the media type that the first bytes of data announce, whatever
 * the file is called: RY_MEDIA_PDF ("%PDF-"), RY_MEDIA_JPEG (FF D8 FF),
 * RY_MEDIA_PNG (89 'PNG' 0D 0A 1A 0A), RY_MEDIA_ZIP ("PK" 03 04: also what
 * .docx and .xlsx files really are), otherwise RY_MEDIA_OCTET (also for
 * NULL or too short data). The string is static: never free it. */
const char *ry_media_sniff(const void *data, size_t len);

#endif
