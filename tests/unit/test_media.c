/* Tests of ry_media: media type from content, whatever the name says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_media.h"

#include <string.h>

static void
test_pdf_jpeg_png_are_recognised(void **state)
{
    (void)state;
    const char pdf[] = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj";
    const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',
                                  'F',  'I',  'F'};
    const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A,
                                 0,    0,   0,   13,  'I',  'H',  'D',  'R'};
    assert_string_equal(ry_media_sniff(pdf, sizeof pdf - 1), RY_MEDIA_PDF);
    assert_string_equal(ry_media_sniff(jpeg, sizeof jpeg), RY_MEDIA_JPEG);
    assert_string_equal(ry_media_sniff(png, sizeof png), RY_MEDIA_PNG);
    assert_string_equal(RY_MEDIA_PDF, "application/pdf");
    assert_string_equal(RY_MEDIA_JPEG, "image/jpeg");
    assert_string_equal(RY_MEDIA_PNG, "image/png");
}

static void
test_zip_disguised_as_pdf_is_zip(void **state)
{
    (void)state;
    /* A .docx renamed form.pdf: the bytes say ZIP. */
    const unsigned char docx[] = {'P', 'K', 0x03, 0x04, 0x14, 0x00, 0x06,
                                  0x00};
    assert_string_equal(ry_media_sniff(docx, sizeof docx), RY_MEDIA_ZIP);
    assert_string_equal(RY_MEDIA_ZIP, "application/zip");
}

static void
test_short_empty_and_unknown_are_octet_stream(void **state)
{
    (void)state;
    assert_string_equal(ry_media_sniff(NULL, 10), RY_MEDIA_OCTET);
    assert_string_equal(ry_media_sniff("", 0), RY_MEDIA_OCTET);
    /* Truncated magics are not enough. */
    assert_string_equal(ry_media_sniff("%PDF", 4), RY_MEDIA_OCTET);
    const unsigned char png7[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A};
    assert_string_equal(ry_media_sniff(png7, sizeof png7), RY_MEDIA_OCTET);
    const unsigned char jpeg2[] = {0xFF, 0xD8};
    assert_string_equal(ry_media_sniff(jpeg2, sizeof jpeg2), RY_MEDIA_OCTET);
    /* The magic must be at the start. */
    assert_string_equal(ry_media_sniff(" %PDF-1.4", 9), RY_MEDIA_OCTET);
    assert_string_equal(ry_media_sniff("GIF89a....", 10), RY_MEDIA_OCTET);
    assert_string_equal(ry_media_sniff("PK\x05\x06", 4), RY_MEDIA_OCTET);
    /* Length is respected: a PDF magic beyond len does not count. */
    assert_string_equal(ry_media_sniff("%PDF-1.4", 3), RY_MEDIA_OCTET);
    assert_string_equal(RY_MEDIA_OCTET, "application/octet-stream");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdf_jpeg_png_are_recognised),
        cmocka_unit_test(test_zip_disguised_as_pdf_is_zip),
        cmocka_unit_test(test_short_empty_and_unknown_are_octet_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
