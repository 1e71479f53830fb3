"""The requirements catalogue and the routine templates the HSE department starts with. It
changes them on /registers/requirements/ and /registers/routines/templates/ (or the admin)."""

from django.db import migrations

LOVDATA = "https://lovdata.no/dokument/"

REQUIREMENTS = [
    # (short name, title, kind, reference)
    ("Arbeidsmiljøloven",
     "Lov om arbeidsmiljø, arbeidstid og stillingsvern mv. (arbeidsmiljøloven)",
     "law", LOVDATA + "NL/lov/2005-06-17-62"),
    ("Internkontrollforskriften",
     "Forskrift om systematisk helse-, miljø- og sikkerhetsarbeid i virksomheter "
     "(internkontrollforskriften)",
     "regulation", LOVDATA + "SF/forskrift/1996-12-06-1127"),
    ("Forskrift om organisering, ledelse og medvirkning",
     "Forskrift om organisering, ledelse og medvirkning",
     "regulation", LOVDATA + "SF/forskrift/2011-12-06-1355"),
    ("Arbeidsplassforskriften",
     "Forskrift om utforming og innretning av arbeidsplasser og arbeidslokaler "
     "(arbeidsplassforskriften)",
     "regulation", LOVDATA + "SF/forskrift/2011-12-06-1356"),
    ("Forskrift om utførelse av arbeid",
     "Forskrift om utførelse av arbeid, bruk av arbeidsutstyr og tilhørende tekniske krav "
     "(forskrift om utførelse av arbeid)",
     "regulation", LOVDATA + "SF/forskrift/2011-12-06-1357"),
    ("Forskrift om tiltaks- og grenseverdier",
     "Forskrift om tiltaks- og grenseverdier (kjemikalier, stoffkartotek og eksponering)",
     "regulation", LOVDATA + "SF/forskrift/2011-12-06-1358"),
    ("Strålevernforskriften",
     "Forskrift om strålevern og bruk av stråling (strålevernforskriften)",
     "regulation", LOVDATA + "SF/forskrift/2016-12-16-1659"),
    ("Brann- og eksplosjonsvernloven",
     "Lov om vern mot brann, eksplosjon og ulykker med farlig stoff og om brannvesenets "
     "redningsoppgaver (brann- og eksplosjonsvernloven)",
     "law", LOVDATA + "NL/lov/2002-06-14-20"),
    ("Forskrift om brannforebygging",
     "Forskrift om brannforebygging",
     "regulation", LOVDATA + "SF/forskrift/2015-12-17-1710"),
    ("Forurensningsloven",
     "Lov om vern mot forurensninger og om avfall (forurensningsloven)",
     "law", LOVDATA + "NL/lov/1981-03-13-6"),
    ("NTNUs HMS-retningslinjer",
     "NTNUs egne retningslinjer og prosedyrer for helse, miljø og sikkerhet",
     "internal", "NTNUs HMS-sider på Innsida"),
]

TEMPLATES = [
    {
        "title": "Rutine for opplæring av nyansatte i HMS",
        "purpose": "Sikre at alle nyansatte, gjester og studenter får nødvendig HMS-opplæring "
        "før de begynner å arbeide.",
        "scope": "Gjelder alle nyansatte, gjesteforskere og studenter som skal arbeide i "
        "enhetens lokaler.",
        "responsibility": "Linjeleder har ansvaret. Nærmeste leder eller veileder "
        "gjennomfører opplæringen. HMS-koordinator holder oversikt.",
        "procedure": "1. Gå gjennom sjekklisten for HMS-opplæring første arbeidsdag.\n"
        "2. Vis rømningsveier, slukkeutstyr og førstehjelpsutstyr.\n"
        "3. Gå gjennom risikovurderinger for arbeidet.\n"
        "4. Sjekklisten signeres og arkiveres.",
        "references": "Arbeidsmiljøloven § 3-2, internkontrollforskriften § 5 nr. 2",
    },
    {
        "title": "Rutine for arbeid utenom ordinær arbeidstid og alenearbeid",
        "purpose": "Hindre skade når noen arbeider alene eller utenom ordinær arbeidstid.",
        "scope": "Laboratorie- og verkstedarbeid utenom kl. 08–16 og arbeid uten andre til stede.",
        "responsibility": "Linjeleder avgjør hvilket arbeid som kan gjøres alene. Den ansatte "
        "følger rutinen.",
        "procedure": "1. Risikofylt arbeid gjøres ikke alene.\n"
        "2. Avtal tilsyn eller oppringing før arbeidet starter.\n"
        "3. Registrer deg i oversikten over arbeid utenom arbeidstid.",
        "references": "Forskrift om utførelse av arbeid, risikovurderinger for enheten",
    },
    {
        "title": "Rutine for brannvern og evakuering",
        "purpose": "Sikre at alle vet hva de skal gjøre ved brann og evakuering.",
        "scope": "Alle som arbeider eller oppholder seg i enhetens lokaler.",
        "responsibility": "Linjeleder sørger for brannøvelser og opplæring. Brannvernleder "
        "for bygget holder branndokumentasjonen.",
        "procedure": "1. Varsle: utløs brannalarmen og ring 110.\n"
        "2. Redd: hjelp personer i fare.\n"
        "3. Slukk om det er trygt.\n"
        "4. Evakuer til møteplassen og meld fra til evakueringsleder.",
        "references": "Brann- og eksplosjonsvernloven, forskrift om brannforebygging",
    },
]


def add_defaults(apps, schema_editor):
    Requirement = apps.get_model("registers", "Requirement")
    RoutineTemplate = apps.get_model("registers", "RoutineTemplate")
    for order, (short_name, title, kind, reference) in enumerate(REQUIREMENTS, start=1):
        Requirement.objects.get_or_create(
            short_name=short_name,
            defaults={"title": title, "kind": kind, "reference": reference, "order": order * 10},
        )
    for template in TEMPLATES:
        RoutineTemplate.objects.get_or_create(title=template["title"], defaults=template)


class Migration(migrations.Migration):
    dependencies = [("registers", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
