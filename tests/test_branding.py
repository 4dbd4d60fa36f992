"""White label (organisations.branding, organisations.logos): the contrast rule, the
inheritance rule, every refused logo (and that nothing is stored), who may change it,
where it shows (pages, respondents' pages, emails, PDFs) and who may fetch a logo."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from assessments import services as assessment_services
from improvement import services as improvement_services
from improvement.models import Action
from organisations import branding, logos
from organisations import services as org_services
from organisations.branding import (
    DEFAULT,
    PRODUCT_NAME,
    check_colour,
    contrast_ratio,
    effective_branding,
    text_on,
)
from organisations.models import AuditEvent, Organisation, Role
from reports import services as report_services
from reports.models import Report
from tests.assessment_factories import invitee, make_assessment
from tests.catalog_factories import make_version
from tests.conftest import access_for, signed_in
from tests.report_samples import seed_rounds

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20">'
       b'<title>Mark</title><defs><linearGradient id="g"><stop offset="0" stop-color="#123"/>'
       b'</linearGradient></defs><rect width="20" height="20" fill="url(#g)"/>'
       b'<use href="#g"/><style>rect { fill: url(#g); }</style></svg>')
NAME, COLOUR, FOOTER = "Northwind Maturity Check", "#7a1f5c", "Northwind · 12 Harbour St · Bristol"


def png(width: int = 64, height: int = 32, colour=(31, 95, 168)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_claiming(width: int, height: int) -> bytes:
    """A small, well-formed PNG whose header claims ``width`` × ``height`` pixels (a
    decompression bomb: a few bytes that would unpack into gigabytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024, 9)
    return (logos.PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels)
            + _chunk(b"IEND", b""))


def upload(data: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_logos(media: Path) -> list[str]:
    folder = media / logos.STORAGE_FOLDER
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def brand(world, org: str = "northwind", **values):
    """Set ``org``'s own branding as Northwind's owner (an owner in its clients too)."""
    return org_services.branding_update(
        by=access_for(world.northwind.owner, getattr(world, org).org), **values)


@pytest.fixture
def branded(world, media):
    """Northwind with every field, a PNG logo; acme inherits it all."""
    brand(world, name=NAME, colour=COLOUR, footer=FOOTER, logo=upload(png()))
    return world


# --- The contrast function ------------------------------------------------------------


@pytest.mark.parametrize(("foreground", "background", "expected"), [
    # Published WCAG values (WebAIM's contrast checker; the WCAG 2 definition).
    ("#000000", "#ffffff", 21.0),
    ("#ffffff", "#ffffff", 1.0),
    ("#0000ff", "#ffffff", 8.59),
    ("#ff0000", "#ffffff", 4.0),
    ("#008000", "#ffffff", 5.14),
    ("#808080", "#ffffff", 3.95),
    ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
    ("#777777", "#ffffff", 4.48),  # one step lighter fails
    ("#0d6efd", "#ffffff", 4.5),  # Bootstrap's primary, on the edge
])
def test_the_contrast_ratio_matches_known_wcag_values(foreground, background, expected):
    assert contrast_ratio(foreground, background) == pytest.approx(expected, abs=0.01)
    assert contrast_ratio(background, foreground) == contrast_ratio(foreground, background)


def test_it_reads_short_and_unprefixed_hex_codes():
    assert check_colour("#7A1F5C") == check_colour("7a1f5c") == "#7a1f5c"
    assert check_colour("#00f") == "#0000ff"
    with pytest.raises(ValidationError) as error:
        check_colour("teal")
    assert "hex code" in error.value.messages[0]


@pytest.mark.parametrize(("colour", "ratio"), [("#ffcc00", "1.51"), ("#777777", "4.47"),
                                               ("#00aaff", "2.56")])
def test_it_refuses_a_colour_too_light_for_text_and_says_what_it_measured(colour, ratio):
    with pytest.raises(ValidationError) as error:
        check_colour(colour)
    message = error.value.messages[0]
    assert colour in message and f"{ratio}" in message and "4.5:1" in message
    assert error.value.code == "contrast_text"


def test_it_shows_the_ratio_cut_never_rounded_up_to_a_pass():
    assert contrast_ratio("#777777", "#ffffff") > 4.475  # would round to 4.48
    assert branding.shown_ratio(4.4999) == "4.49"


def test_a_button_takes_the_text_colour_that_contrasts_more():
    assert text_on("#7a1f5c") == "#ffffff"
    assert text_on("#ffcc00") == "#212529"
    assert contrast_ratio(COLOUR, text_on(COLOUR)) >= 4.5


def test_the_palette_keeps_every_text_shade_readable():
    shades = branding.palette(check_colour("#767676"))  # the lightest colour accepted
    for key in ("colour", "hover", "active", "emphasis"):
        assert contrast_ratio(shades[key], shades["text"]) >= 4.5, key
    # Outlined buttons use the hover shade as text, on the light grey of cards too.
    assert contrast_ratio(shades["hover"], "#f8f9fa") >= 4.5


# --- The inheritance rule -------------------------------------------------------------


def test_a_client_inherits_each_field_it_does_not_set_itself(branded):
    world = branded
    acme = Organisation.objects.select_related("parent").get(slug="acme")
    inherited = effective_branding(acme)
    assert (inherited.name, inherited.colour, inherited.footer) == (NAME, COLOUR, FOOTER)
    assert inherited.logo.endswith(".png")
    brand(world, "acme", colour="#116466")
    acme = Organisation.objects.select_related("parent").get(slug="acme")
    overridden = effective_branding(acme)
    assert overridden.colour == "#116466"  # its own
    assert (overridden.name, overridden.footer, overridden.logo) == (
        NAME, FOOTER, inherited.logo)  # the consultancy's
    assert branding.sources(acme) == {"name": "consultancy", "colour": "own",
                                      "footer": "consultancy", "logo": "consultancy"}


def test_without_any_setting_it_is_the_products_own(world):
    for org in (world.northwind.org, world.acme.org):
        assert effective_branding(org) == DEFAULT
        assert DEFAULT.is_default and DEFAULT.name == PRODUCT_NAME
        assert DEFAULT.stylesheet_url == "" and DEFAULT.accent == "#0d6efd"


def test_a_client_of_another_consultancy_never_shows_this_one(branded):
    other = Organisation.objects.create(name="Elsewhere", slug="elsewhere",
                                        kind=Organisation.Kind.CONSULTANCY)
    client = Organisation.objects.create(name="Client", slug="client", parent=other)
    assert effective_branding(client) == DEFAULT


# --- Refused logos: a clear message, nothing stored -------------------------------------

BAD_LOGOS = {
    "too big": (png() + b"\x00" * (logos.MAX_LOGO_BYTES + 1), "larger than 512 KB"),
    "a PDF named .png": (b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n", "neither a PNG"),
    "text named .svg": (b"just some words", "neither a PNG"),
    "a JPEG named .png": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "neither a PNG"),
    "HTML named .svg": (b"<html><body><script>alert(1)</script></body></html>",
                        "not an SVG drawing"),
    "a truncated PNG": (png()[:60], "no end"),
    "a PNG with a page after it": (png() + b"<html><script>alert(1)</script></html>",
                                   "data after its end"),
    "a PNG with a broken checksum": (png()[:40] + bytes([png()[40] ^ 0xFF]) + png()[41:],
                                     "damaged or incomplete"),
    "a decompression bomb": (png_claiming(60000, 60000), "60000 × 60000 pixels"),
    "a PNG too small": (png(8, 8), "between 16 and 2048"),
    "script": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
               "contains a script"),
    "namespaced script": (b'<s:svg xmlns:s="http://www.w3.org/2000/svg">'
                          b'<s:script>alert(1)</s:script></s:svg>', "contains a script"),
    "event handler": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                      "event handler (onload)"),
    "event handler on a shape": (b'<svg xmlns="http://www.w3.org/2000/svg">'
                                 b'<rect ONCLICK="x()" width="1"/></svg>', "event handler"),
    "foreignObject": (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject>'
                      b'<p xmlns="http://www.w3.org/1999/xhtml">hi</p></foreignObject></svg>',
                      "foreignObject"),
    "XHTML inside": (b'<svg xmlns="http://www.w3.org/2000/svg"><h:iframe '
                     b'xmlns:h="http://www.w3.org/1999/xhtml"/></svg>', "not part of SVG"),
    "billion laughs": (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "ha">'
                       b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                       b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                       b'<svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>',
                       "DOCTYPE"),
    "external entity": (b'<!DOCTYPE svg SYSTEM "http://evil.test/x.dtd">'
                        b'<svg xmlns="http://www.w3.org/2000/svg"/>', "DOCTYPE"),
    "external href": (b'<svg xmlns="http://www.w3.org/2000/svg"><image '
                      b'href="https://evil.test/pixel.png" width="1" height="1"/></svg>',
                      "https://evil.test/pixel.png"),
    "external xlink:href": (b'<svg xmlns="http://www.w3.org/2000/svg" '
                            b'xmlns:xlink="http://www.w3.org/1999/xlink"><use '
                            b'xlink:href="other.svg#mark"/></svg>', "other.svg#mark"),
    "javascript link": (b'<svg xmlns="http://www.w3.org/2000/svg"><a '
                        b'href="javascript:alert(1)"><rect width="1"/></a></svg>',
                        "javascript:alert(1)"),
    "a link to the drawing": (b'<svg xmlns="http://www.w3.org/2000/svg"><a href="#x">'
                              b'<rect width="1"/></a></svg>', "<a>"),
    "data: image": (b'<svg xmlns="http://www.w3.org/2000/svg"><use '
                    b'href="data:image/svg+xml;base64,PHN2Zy8+"/></svg>', "data:image"),
    "url() in a style attribute": (b'<svg xmlns="http://www.w3.org/2000/svg"><rect '
                                   b'style="fill: url(\'https://evil.test/p\')"/></svg>',
                                   "url(https://evil.test/p)"),
    "url() in a presentation attribute": (b'<svg xmlns="http://www.w3.org/2000/svg"><rect '
                                          b'fill="url(//evil.test/p#g)"/></svg>',
                                          "url(//evil.test/p#g)"),
    "@import": (b'<svg xmlns="http://www.w3.org/2000/svg"><style>'
                b'@import "https://evil.test/x.css";</style></svg>', "@import"),
    "url() in a style sheet": (b'<svg xmlns="http://www.w3.org/2000/svg"><style><![CDATA['
                               b'rect { background: url(https://evil.test/t) }]]></style></svg>',
                               "url(https://evil.test/t)"),
    "escaped CSS": (b'<svg xmlns="http://www.w3.org/2000/svg"><style>'
                    b'@\\69mport "x.css";</style></svg>', "escaped characters"),
    "xml-stylesheet": (b'<?xml-stylesheet href="https://evil.test/x.css"?>'
                       b'<svg xmlns="http://www.w3.org/2000/svg"/>', "processing instruction"),
    "animation": (b'<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="href" '
                  b'to="javascript:alert(1)"/></svg>', "<set>"),
    "not well-formed": (b'<svg xmlns="http://www.w3.org/2000/svg"><rect>', "neither a PNG"),
    "empty": (b"", "empty"),
}


@pytest.mark.parametrize("case", sorted(BAD_LOGOS))
def test_it_refuses_a_bad_logo_with_a_clear_message_and_stores_nothing(world, media, case):
    data, expected = BAD_LOGOS[case]
    owner = signed_in(world.northwind.owner)
    name = "logo.svg" if data.lstrip().startswith(b"<") or "svg" in case else "logo.png"
    response = owner.post("/o/northwind/settings/branding/", {
        "name": NAME, "colour": COLOUR, "footer": FOOTER,
        "logo": upload(data, name=name, content_type="image/png")})
    assert response.status_code == 400
    page = response.content.decode()
    assert expected.replace("<", "&lt;").replace(">", "&gt;") in page, page[-3000:]
    org = Organisation.objects.get(slug="northwind")
    # Nothing at all is stored: not the logo, not the other fields of the same form.
    assert (org.brand_name, org.brand_colour, org.brand_footer, org.brand_logo) == ("",) * 4
    assert stored_logos(media) == []
    assert not AuditEvent.objects.filter(action="branding.updated").exists()


def test_it_refuses_a_decompression_bomb_before_decoding_a_pixel(monkeypatch):
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size))
    with pytest.raises(ValidationError):
        logos.check_png(png_claiming(60000, 60000))
    assert decoded == []


def test_it_refuses_a_colour_below_aa_and_keeps_everything_else(world, media):
    owner = signed_in(world.northwind.owner)
    response = owner.post("/o/northwind/settings/branding/", {
        "name": NAME, "colour": "#ffcc00", "logo": upload(png())})
    assert response.status_code == 400
    page = response.content.decode()
    assert "#ffcc00 is too light" in page and "1.51:1" in page and "4.5:1" in page
    assert Organisation.objects.get(slug="northwind").brand_name == ""
    assert stored_logos(media) == []


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_it_accepts_a_good_logo_stores_it_once_and_audits_the_change(world, media, kind):
    data = png() if kind == "png" else SVG
    owner = signed_in(world.northwind.owner)
    response = owner.post("/o/northwind/settings/branding/", {
        "name": f"  {NAME}  ", "colour": "#7A1F5C", "footer": FOOTER,
        "logo": upload(data, name="whatever.bin", content_type="text/plain")})
    assert response.status_code == 302
    org = Organisation.objects.get(slug="northwind")
    assert (org.brand_name, org.brand_colour, org.brand_footer) == (NAME, COLOUR, FOOTER)
    assert org.brand_logo.endswith(f".{kind}")  # the content decides, not the name
    assert stored_logos(media) == [org.brand_logo.split("/")[-1]]
    event = AuditEvent.objects.get(action="branding.updated")
    assert event.actor == world.northwind.owner and event.organisation == org
    assert set(event.data["changed"]) == {"name", "colour", "footer", "logo"}
    # The same values again change nothing and leave no second row.
    owner.post("/o/northwind/settings/branding/", {
        "name": NAME, "colour": COLOUR, "footer": FOOTER, "logo": upload(data)})
    assert AuditEvent.objects.filter(action="branding.updated").count() == 1


def test_removing_or_replacing_a_logo_deletes_its_unused_file(world, media,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        brand(world, logo=upload(png()))
    first = stored_logos(media)
    with django_capture_on_commit_callbacks(execute=True):
        brand(world, logo=upload(png(colour=(0, 0, 0))))
    second = stored_logos(media)
    assert len(second) == 1 and second != first
    with django_capture_on_commit_callbacks(execute=True):
        brand(world, remove_logo=True)
    assert stored_logos(media) == []
    assert Organisation.objects.get(slug="northwind").brand_logo == ""


def test_a_logo_two_organisations_use_stays_while_one_of_them_shows_it(
        world, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        brand(world, logo=upload(png()))
        brand(world, "acme", logo=upload(png()))
        brand(world, remove_logo=True)
    assert len(stored_logos(media)) == 1  # acme still shows it


# --- Who may change it ----------------------------------------------------------------


@pytest.mark.parametrize(("who", "org", "status"), [
    ("northwind.owner", "northwind", 200),
    ("northwind.consultant", "northwind", 403),
    ("northwind.owner", "acme", 200),  # a consultancy's owner acts as owner in its clients
    ("northwind.consultant", "acme", 403),
    ("acme.owner", "acme", 200),
    ("acme.consultant", "acme", 403),
    ("acme.manager", "acme", 403),
    ("acme.viewer", "acme", 403),
    ("acme.owner", "northwind", 404),
    ("globex.owner", "acme", 404),
])
def test_only_owners_change_the_branding(world, media, who, org, status):
    cast, role = who.split(".")
    client = signed_in(getattr(getattr(world, cast), role))
    url = f"/o/{org}/settings/branding/"
    assert client.get(url).status_code == status
    posted = client.post(url, {"name": "Changed", "colour": COLOUR})
    assert posted.status_code == (302 if status == 200 else status)
    assert Organisation.objects.get(slug=org).brand_name == ("Changed" if status == 200
                                                             else "")


def test_the_members_page_leads_owners_to_the_branding(world):
    page = signed_in(world.acme.owner).get("/o/acme/members/").content.decode()
    assert "/o/acme/settings/branding/" in page
    page = signed_in(world.acme.consultant).get("/o/acme/members/").content.decode()
    assert "/o/acme/settings/branding/" not in page


def test_the_settings_page_says_where_each_value_comes_from(branded):
    page = signed_in(branded.acme.owner).get("/o/acme/settings/branding/").content.decode()
    assert "set by Northwind" in page and NAME in page and COLOUR in page
    # An empty field shows, as its placeholder, what it inherits.
    for value in (NAME, COLOUR, FOOTER):
        assert f'placeholder="{value}"' in page.replace("&#x27;", "'"), value
    page = signed_in(branded.northwind.owner).get(
        "/o/northwind/settings/branding/").content.decode()
    assert 'placeholder="Maturity Desk"' in page and 'placeholder="#0d6efd"' in page


# --- Where it shows: pages ------------------------------------------------------------


def _navbar(page: str) -> str:
    return re.search(r'<a class="navbar-brand[^>]*>(.*?)</a>', page, re.S).group(1)


def test_every_page_of_a_client_shows_the_consultancys_branding(branded):
    page = signed_in(branded.acme.viewer).get("/o/acme/departments/").content.decode()
    navbar = _navbar(page)
    assert NAME in navbar
    logo_url = re.search(r'<img class="brand-logo" src="([^"]+)"', navbar).group(1)
    assert logo_url.startswith("/o/acme/brand/logo/?v=")
    assert f'<link rel="stylesheet" href="/brand/v1/{COLOUR[1:]}.css">' in page
    assert f">{FOOTER}</footer>" in page
    assert f"· {NAME}</title>" in page
    # The logo the page points at is the consultancy's, served to the client's members.
    logo = signed_in(branded.acme.viewer).get(logo_url)
    assert logo.status_code == 200 and logo.content == png()


def test_a_page_without_branding_looks_as_before(world):
    page = signed_in(world.acme.owner).get("/o/acme/departments/").content.decode()
    assert '<a class="navbar-brand fw-semibold" href="/">Maturity Desk</a>' in page
    assert "/brand/" not in page
    assert "Maturity Desk · service-desk maturity self-assessment</footer>" in page


def test_branding_costs_no_query(world, media):
    viewer = signed_in(world.acme.viewer)

    def count():
        viewer.get("/o/acme/departments/")
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get("/o/acme/departments/").status_code == 200
        return len(queries)

    plain = count()
    brand(world, name=NAME, colour=COLOUR, footer=FOOTER, logo=upload(SVG, "l.svg"))
    brand(world, "acme", colour="#116466")
    assert count() == plain


# --- The logo's URL -------------------------------------------------------------------


def test_the_logo_is_served_as_an_image_that_cannot_run(world, media):
    brand(world, logo=upload(SVG, "logo.svg"))
    response = signed_in(world.acme.owner).get("/o/acme/brand/logo/")
    assert response.status_code == 200 and response.content == SVG
    assert response["Content-Type"] == "image/svg+xml"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_a_logo_of_one_tenant_is_a_404_for_another(world, media):
    brand(world, "acme", logo=upload(png()))
    assert signed_in(world.acme.manager).get("/o/acme/brand/logo/").status_code == 200
    for user in (world.globex.owner, world.outsider):
        assert signed_in(user).get("/o/acme/brand/logo/").status_code == 404
    # Globex, a sibling client, shows no logo: its own URL has none.
    assert signed_in(world.globex.owner).get("/o/globex/brand/logo/").status_code == 404
    anonymous = Client().get("/o/acme/brand/logo/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_a_client_member_fetches_the_consultancys_logo_only_through_the_clients_url(
        branded):
    acme = signed_in(branded.acme.owner)
    assert acme.get("/o/acme/brand/logo/").status_code == 200
    assert acme.get("/o/northwind/brand/logo/").status_code == 404


def test_the_colours_stylesheet_is_public_names_no_one_and_refuses_bad_colours(client):
    response = client.get("/brand/v1/7a1f5c.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert "immutable" in response["Cache-Control"] and "public" in response["Cache-Control"]
    css = response.content.decode()
    assert "--bs-primary: #7a1f5c" in css and "--bs-btn-bg: #7a1f5c" in css
    for path in ("/brand/v1/ffcc00.css", "/brand/v1/7A1F5C.css", "/brand/v1/nope.css",
                 "/brand/v0/7a1f5c.css", "/brand/v1/000.css"):
        assert client.get(path).status_code == 404, path


# --- A respondent's questionnaire -----------------------------------------------------


def test_a_respondents_questionnaire_shows_the_branding_and_the_logo_of_its_link(branded):
    assessment = make_assessment(branded)
    response, token = invitee(assessment)
    page = Client().get(f"/r/{token}/").content.decode()
    navbar = _navbar(page)
    assert NAME in navbar and f'src="/r/{token}/logo/?v=' in navbar
    assert f"/brand/v1/{COLOUR[1:]}.css" in page and FOOTER in page
    logo = Client().get(f"/r/{token}/logo/")
    assert logo.status_code == 200 and logo["X-Content-Type-Options"] == "nosniff"
    assert Client().get("/r/not-a-token/logo/").status_code == 404
    assessment_services.respondent_revoke(by=access_for(branded.acme.manager,
                                                        branded.acme.org), response=response)
    assert Client().get(f"/r/{token}/logo/").status_code == 404


def test_a_shared_links_start_page_shows_the_branding(branded):
    assessment = make_assessment(branded)
    _link, token = assessment_services.shared_link_create(
        by=access_for(branded.acme.manager, branded.acme.org), assessment=assessment,
        label="Newsletter", cap=5,
        expires_on=assessment_services.shared_link_default_expiry(assessment))
    page = Client().get(f"/r/shared/{token}/").content.decode()
    assert NAME in _navbar(page) and f"/r/shared/{token}/logo/?v=" in page
    assert Client().get(f"/r/shared/{token}/logo/").status_code == 200
    assert Client().get("/r/shared/nope/logo/").status_code == 404


# --- Emails -------------------------------------------------------------------------


def _html(message) -> str:
    return message.alternatives[0].content


def test_an_invitation_carries_the_name_footer_colour_and_logo(branded, sent):
    sent(org_services.invitation_create, by=access_for(branded.acme.owner, branded.acme.org),
         email="new@acme.test", role=Role.MANAGER, language="en")
    [message] = mail.outbox
    assert message.from_email.startswith(f'"{NAME}" <') or message.from_email.startswith(
        f"{NAME} <")
    assert message.subject == f"You are invited to join Acme on {NAME}"
    assert f"on {NAME} as" in message.body and FOOTER in message.body
    html = _html(message)
    assert FOOTER in html and f"background: {COLOUR}" in html
    assert 'src="cid:brand-logo"' in html
    # The PNG travels inside the email, next to the HTML that shows it.
    raw = message.message()
    related = [p for p in raw.walk() if p.get_content_type() == "multipart/related"]
    assert related, raw.as_string()[:2000]
    image = next(p for p in raw.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<brand-logo>" and image.get_content() == png()


def test_an_svg_logo_stays_out_of_emails_the_name_shows_instead(world, media, sent):
    brand(world, name=NAME, logo=upload(SVG, "l.svg"))
    sent(org_services.invitation_create, by=access_for(world.acme.owner, world.acme.org),
         email="new@acme.test", role=Role.MANAGER, language="sv")
    [message] = mail.outbox
    html = _html(message)
    assert "cid:" not in html and NAME in html
    assert not [p for p in message.message().walk() if p.get_content_maintype() == "image"]
    assert message.subject == f"Du är inbjuden till Acme i {NAME}"


def test_an_email_without_branding_is_the_products(world, sent, settings):
    sent(org_services.invitation_create, by=access_for(world.acme.owner, world.acme.org),
         email="new@acme.test", role=Role.MANAGER, language="en")
    [message] = mail.outbox
    assert message.subject == "You are invited to join Acme on Maturity Desk"
    assert "background: #0d6efd; color: #fff;" in _html(message)
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "-- \n" not in message.body


def test_respondent_invitations_and_reminders_are_branded(branded, sent):
    assessment = make_assessment(branded)
    access = access_for(branded.acme.manager, branded.acme.org)
    response = sent(assessment_services.respondent_invite, by=access, assessment=assessment,
                    email="guest@example.test")
    sent(assessment_services.respondent_remind, by=access, response=response)
    invitation, reminder = mail.outbox
    for message in (invitation, reminder):
        assert NAME in message.from_email
        assert message.body.rstrip().endswith(FOOTER)
        assert FOOTER in _html(message) and f"background: {COLOUR}" in _html(message)


def test_the_digest_is_branded_only_when_its_organisations_share_a_branding(branded):
    today = timezone.localdate()

    def late_action(cast, title):
        action = improvement_services.action_create(
            by=access_for(cast.owner, cast.org), department=cast.departments[0],
            title=title, owner_name="Kim", owner_email="kim@example.test")
        Action.objects.filter(pk=action.pk).update(due_date=today - timedelta(days=1))

    late_action(branded.acme, "Acme late")
    late_action(branded.globex, "Globex late")
    assert improvement_services.send_weekly_digest(today=today) == 1
    assert FOOTER in mail.outbox[0].body and NAME in mail.outbox[0].from_email
    mail.outbox.clear()
    brand(branded, "globex", name="Globex Desk")
    assert improvement_services.send_weekly_digest(today=today + timedelta(days=7)) == 1
    assert NAME not in mail.outbox[0].from_email and FOOTER not in mail.outbox[0].body


# --- PDFs -----------------------------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "branded.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def fill_colours(pdf: bytes) -> set[tuple[int, int, int]]:
    """Every RGB colour the PDF's drawing operators set (``r g b rg`` / ``RG``), in
    0..255, from its content streams."""
    found = set()
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(match.group(1))
        except zlib.error:
            content = match.group(1)
        for r, g, b in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)\b", content):
            found.add(tuple(round(float(v) * 255) for v in (r, g, b)))
    return found


@pytest.fixture
def report_round(world, media):
    version = make_version(slug="brand-report")
    rounds = seed_rounds(organisation=world.acme.org, version=version, rounds=1,
                         respondents=3)
    return rounds[0]


def test_a_pdf_shows_the_name_footer_logo_and_colour(world, report_round, tmp_path):
    access = access_for(world.acme.owner, world.acme.org)
    plain = report_services.build_pdf(access=access, assessment=report_round, language="en")
    brand(world, name=NAME, colour=COLOUR, footer=FOOTER, logo=upload(png(300, 100)))
    branded_access = access_for(world.acme.owner, world.acme.org)
    pdf = report_services.build_pdf(access=branded_access, assessment=report_round,
                                    language="en")
    text = pdf_text(pdf, tmp_path)
    assert text.count(NAME) >= 3  # above the cover and as the header of the next pages
    assert FOOTER in text
    assert NAME not in pdf_text(plain, tmp_path) and FOOTER not in pdf_text(plain, tmp_path)
    rgb = branding.rgb(COLOUR)
    assert rgb in fill_colours(pdf)
    assert rgb not in fill_colours(plain)
    listing = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True,
                             timeout=60).stdout.decode()
    assert re.search(r"\b300\s+100\b", listing), listing  # the logo, as uploaded


def test_a_pdf_of_a_client_takes_its_own_colour_and_the_consultancys_name(
        world, report_round, tmp_path):
    brand(world, name=NAME, colour=COLOUR, logo=upload(SVG, "l.svg"))
    brand(world, "acme", colour="#116466")
    pdf = report_services.build_pdf(access=access_for(world.acme.owner, world.acme.org),
                                    assessment=report_round, language="sv")
    assert NAME in pdf_text(pdf, tmp_path)
    colours = fill_colours(pdf)
    assert branding.rgb("#116466") in colours and branding.rgb(COLOUR) not in colours


def test_the_one_pager_is_headed_by_the_brand_and_ends_with_its_footer_line(
        world, report_round, tmp_path):
    brand(world, name=NAME, colour=COLOUR, footer=FOOTER, logo=upload(png(300, 100)))
    pdf = report_services.build_pdf(access=access_for(world.acme.owner, world.acme.org),
                                    assessment=report_round, language="hu",
                                    variant=Report.Variant.SUMMARY)
    text = pdf_text(pdf, tmp_path)
    assert text.count("\f") == 1  # still one page
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert NAME in lines[0] and FOOTER in lines[-1]
    assert branding.rgb(COLOUR) in fill_colours(pdf)


def test_changing_the_branding_asks_for_a_new_pdf(world, report_round):
    access = access_for(world.acme.owner, world.acme.org)
    before = report_services.input_hash(access, report_round, "en")
    organisation_before = report_services.input_hash(access, None, "en")
    brand(world, footer=FOOTER)
    access = access_for(world.acme.owner, world.acme.org)
    assert report_services.input_hash(access, report_round, "en") != before
    assert report_services.input_hash(access, None, "en") != organisation_before


def test_the_pdf_fetcher_serves_a_stored_logo_by_its_name_only(world, media):
    from reports.pdf import BASE_URL, RefusedURL, ReportURLFetcher

    brand(world, logo=upload(png()))
    name = Organisation.objects.get(slug="northwind").brand_logo
    fetcher = ReportURLFetcher()
    logo = fetcher.fetch(BASE_URL + name)
    assert logo.read() == png() and logo.content_type == "image/png"
    for url in (BASE_URL + "branding/../settings.py", BASE_URL + "branding/" + "0" * 64 + ".png",
                BASE_URL + name + "?x=1", "https://evil.test/" + name):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


# --- The demo -------------------------------------------------------------------------


def test_the_demo_consultancy_is_branded_and_globex_keeps_a_colour_of_its_own(db, media):
    from organisations.demo import BRANDING, seed_organisations

    seed_organisations()
    seed_organisations()  # again: nothing changes, nothing is audited twice
    assert AuditEvent.objects.filter(action="branding.updated").count() == 2
    northwind = effective_branding(Organisation.objects.get(slug="northwind"))
    assert northwind.name == BRANDING["name"] and northwind.logo.endswith(".svg")
    acme = effective_branding(Organisation.objects.select_related("parent").get(slug="acme"))
    globex = effective_branding(Organisation.objects.select_related("parent")
                                .get(slug="globex"))
    assert acme == northwind
    assert globex.colour != northwind.colour and globex.name == northwind.name


def test_an_invitations_page_shows_the_name_colour_and_footer_but_no_logo(branded):
    _invitation, token = org_services.invitation_create(
        by=access_for(branded.acme.owner, branded.acme.org), email="new@acme.test",
        role=Role.MANAGER, language="en")
    page = Client().get(f"/accounts/invitations/{token}/").content.decode()
    assert NAME in _navbar(page) and "<img" not in _navbar(page)
    assert f"/brand/v1/{COLOUR[1:]}.css" in page and FOOTER in page
