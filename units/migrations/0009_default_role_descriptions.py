"""Starting texts for each role's responsibility, tasks and authority, after
arbeidsmiljøloven and the internal control regulation. The HSE department adapts them."""

from django.db import migrations

TEXTS = {
    "line_manager": (
        "Har ansvaret for helse, miljø og sikkerhet ved enheten (arbeidsmiljøloven § 2-1, "
        "internkontrollforskriften § 5). Ansvaret kan ikke delegeres.",
        "Setter HMS-mål, kartlegger farer og vurderer risiko, lager handlingsplan, gjennomfører "
        "vernerunde, behandler HMS-avvik og følger opp tiltak, sørger for nødvendig opplæring, "
        "og gjør oversikten over ansvar, oppgaver og myndighet kjent ved enheten.",
        "Fastsetter enhetens mål, rutiner og tiltak, godkjenner risikovurderinger, rutiner og "
        "dokumenter, og kan delegere oppgaver (ikke ansvaret) til HMS-koordinator og andre.",
    ),
    "safety_rep": (
        "Ivaretar arbeidstakernes interesser i saker som angår arbeidsmiljøet "
        "(arbeidsmiljøloven § 6-2).",
        "Deltar i kartlegging og risikovurdering og i hele vernerunden, ser og kommenterer "
        "HMS-avvik ved enhetene vervet dekker, og blir varslet om nye avvik og alvorlige skader.",
        "Kan stanse arbeid ved umiddelbar fare for liv eller helse til Arbeidstilsynet eller "
        "arbeidsgiver har tatt stilling (arbeidsmiljøloven § 6-3).",
    ),
    "chief_safety_rep": (
        "Samordner verneombudenes arbeid ved enhetene vervet dekker (arbeidsmiljøloven § 6-1).",
        "Følger opp verneombudene, deltar i arbeidsmiljøutvalget og i saker som gjelder flere "
        "enheter.",
        "Som verneombud, for hele området vervet dekker.",
    ),
    "hms_coordinator": (
        "Bistår linjelederen i det systematiske HMS-arbeidet.",
        "Holder orden på enhetens HMS-dokumentasjon og -registre, forbereder vernerunder og "
        "risikovurderinger, og behandler HMS-avvik når linjelederen har delegert det.",
        "Det linjelederen har delegert, slik det står for hver person nedenfor.",
    ),
    "radiation_coordinator": (
        "Bistår linjelederen med strålevern (strålevernforskriften).",
        "Holder oversikt over strålekilder og bruk, og over opplæring i strålevern.",
        "Det linjelederen har delegert.",
    ),
    "chemical_contact": (
        "Bistår linjelederen med stoffkartoteket.",
        "Holder enhetens stoffkartotek oppdatert med sikkerhetsdatablad og risikovurderinger "
        "av kjemikalier.",
        "Det linjelederen har delegert.",
    ),
    "hms_department": (
        "Har det faglige ansvaret for institusjonens HMS-system og rapporterer til "
        "arbeidsmiljøutvalget og ledelsen.",
        "Vedlikeholder indikatorer, maler og kataloger, lager tertial- og årsrapporter og "
        "forbereder ledelsens gjennomgang.",
        "Leser alle enheters HMS-registreringer for å gi råd og rapportere.",
    ),
    "employee": (
        "Medvirker i det systematiske HMS-arbeidet (arbeidsmiljøloven § 2-3).",
        "Følger rutiner og instrukser, og melder fra om avvik, farer og skader.",
        "Kan melde avvik, også anonymt, og avbryte arbeid ved fare for liv eller helse.",
    ),
}


def fill(apps, schema_editor):
    RoleDescription = apps.get_model("units", "RoleDescription")
    for role, (responsibility, tasks, authority) in TEXTS.items():
        RoleDescription.objects.get_or_create(
            role=role,
            defaults={"responsibility": responsibility, "tasks": tasks, "authority": authority},
        )


class Migration(migrations.Migration):
    dependencies = [("units", "0008_role_descriptions")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
