"""Merge the extracted texts into the French and English catalogues, filling in English.

Run by ``make translations`` after ``pybabel extract``: French is the source language, so the
French catalogue needs only marshmallow's English messages; the English one needs everything.
Translations live here, next to the catalogues, so a change of wording is one reviewed diff.
"""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent

EN = {
    "Vous êtes connecté.": "You are signed in.",
    "Vous êtes déconnecté.": "You are signed out.",
    "Le formulaire a expiré : vérifiez et envoyez-le à nouveau.": "The form expired: check it and send it again.",
    "Aller au contenu": "Skip to content",
    "Navigation principale": "Main navigation",
    "Déclarer": "Report",
    "Mes signalements": "My reports",
    "Se déconnecter": "Sign out",
    "Se connecter": "Sign in",
    "Je ne sais pas": "I don't know",
    "Oui": "Yes",
    "Non": "No",
    "Connexion": "Sign in",
    "Adresse e-mail": "Email address",
    "Mot de passe": "Password",
    "Qualifier un produit": "Qualify a product",
    "Tapez le nom du produit tel que vous le connaissez : le service dit ce qu'il est, quelle vigilance est concernée et pourquoi.": "Type the product's name as you know it: the service says what it is, which vigilance system is concerned, and why.",
    "Déclarer un incident": "Report an incident",
    "Se connecter pour déclarer un incident": "Sign in to report an incident",
    "Ce qui s'est passé": "What happened",
    "Produit": "Product",
    "ex. CGR, albumine 20 %%, Kymriah, greffe de cornée": "e.g. red cells, albumin 20 %%, Kymriah, corneal graft",
    "Signalement enregistré": "Report recorded",
    "Votre référence :": "Your reference:",
    "Signalement": "Report",
    "Où va le signalement": "Where the report goes",
    "Référentiel": "Rulebook",
    "Délais": "Deadlines",
    "échéance": "due",
    "Aucun délai réglementaire ne s'applique.": "No regulatory deadline applies.",
    "Le signalement": "The report",
    "Statut": "Status",
    "Événement": "Event",
    "Survenu le": "Occurred",
    "Découvert le": "Detected",
    "Reçu le": "Received",
    "Numéro de lot": "Batch number",
    "Numéro de don / de poche": "Donation / unit number",
    "Gravité": "Seriousness",
    "Grave": "Serious",
    "Non grave": "Not serious",
    "grade": "grade",
    "Patient": "Patient",
    "Description": "Description",
    "Mes signalements, du plus récent au plus ancien": "My reports, newest first",
    "Référence": "Reference",
    "Vigilances": "Vigilance systems",
    "Plus anciens": "Older",
    "Vous n'avez encore déposé aucun signalement.": "You have not filed any report yet.",
    "Décrivez ce qui s'est passé : le service qualifie le produit et transmet le signalement à la bonne vigilance.": "Describe what happened: the service qualifies the product and sends the report to the right vigilance system.",
    "Le signalement n'a pas été enregistré : corrigez les champs signalés.": "The report was not recorded: correct the fields marked.",
    "L'événement": "The event",
    "Date et heure de l'événement": "Date and time of the event",
    "Date et heure de la découverte (si plus tard)": "Date and time it was detected (if later)",
    "Le produit": "The product",
    "Le produit n'est pas reconnu : aidez-nous à le qualifier": "The product is not recognised: help us qualify it",
    "Origine de la substance": "Origin of the substance",
    "Sang": "Blood", "Plasma": "Plasma", "Cellules": "Cells", "Tissu": "Tissue", "Organe": "Organ", "Lait": "Milk",
    "Non humaine": "Not human", "Inconnue": "Unknown",
    "Contient un acide nucléique recombinant ?": "Does it contain recombinant nucleic acid?",
    "Est-ce un vaccin contre une maladie infectieuse ?": "Is it a vaccine against an infectious disease?",
    "Cellules ou tissus substantiellement manipulés (culture, expansion…) ?": "Cells or tissues substantially manipulated (culture, expansion…)?",
    "Utilisés pour la même fonction essentielle que chez le donneur ?": "Used for the same essential function as in the donor?",
    "Action recherchée": "Intended action",
    "Pharmacologique, immunologique ou métabolique": "Pharmacological, immunological or metabolic",
    "Régénérer, réparer ou remplacer un tissu": "Regenerate, repair or replace a tissue",
    "Transfusion": "Transfusion", "Greffe": "Graft", "Nutrition": "Nutrition", "Autre": "Other",
    "Incorpore un dispositif médical ?": "Does it incorporate a medical device?",
    "Fabriqué industriellement ?": "Manufactured industrially?",
    "Préparation magistrale (pour un patient, par une pharmacie) ?": "Magistral preparation (for one patient, by a pharmacy)?",
    "Dispositif marqué CE ?": "CE-marked device?",
    "Grave : décès, menace vitale, invalidité, hospitalisation ou sa prolongation.": "Serious: death, life-threatening, disability, hospitalisation or its prolongation.",
    "Grade estimé (1 à 4)": "Estimated grade (1 to 4)",
    "1 — non sévère": "1 — non-severe", "2 — sévère": "2 — severe", "3 — menace vitale immédiate": "3 — immediately life-threatening", "4 — décès": "4 — death",
    "Le patient (pseudonyme)": "The patient (pseudonymous)",
    "Ni nom ni numéro de sécurité sociale : le sexe, l'année de naissance et les initiales suffisent.": "No name and no social security number: sex, birth year and initials are enough.",
    "Sexe": "Sex", "Femme": "Female", "Homme": "Male", "Inconnu": "Unknown",
    "Année de naissance": "Birth year", "Initiales": "Initials",
    "Envoyer le signalement": "Send the report",
    # Triage
    "Élément pris en charge.": "Item claimed.", "Élément relâché.": "Item released.", "Élément attribué.": "Item assigned.",
    "Évaluation enregistrée.": "Assessment saved.", "Question envoyée au déclarant.": "Question sent to the reporter.",
    "Déclaration enregistrée.": "Declaration recorded.",
    "Produit requalifié : le signalement a été réorienté.": "Product requalified: the report was routed again.",
    "Élément clos.": "Item closed.", "Élément rouvert.": "Item reopened.", "Réponse envoyée.": "Answer sent.",
    "Mes files": "My queues", "Questions des correspondants": "Correspondents' questions", "Question": "Question",
    "Votre réponse": "Your answer", "Répondre": "Answer", "Sans réponse": "Unanswered", "pris par": "held by",
    "non attribué": "unassigned", "Prendre en charge": "Claim", "Relâcher": "Release", "Grade estimé": "Estimated grade",
    "Pourquoi cette file": "Why this queue", "Doublons possibles": "Possible duplicates", "Évaluation": "Assessment",
    "Version": "Version", "Grade (1 à 4)": "Grade (1 to 4)", "Imputabilité": "Imputability", "Type": "Type",
    "Enquête": "Investigation", "Critères de gravité": "Seriousness criteria", "Commentaire": "Comment",
    "Enregistrer l'évaluation": "Save the assessment", "Échanges avec le déclarant": "Exchanges with the reporter",
    "Réponse": "Answer", "Aucune question posée.": "No question asked.",
    "Poser une question au déclarant": "Ask the reporter a question", "Envoyer la question": "Send the question",
    "Déclarations": "Declarations", "Aucune déclaration enregistrée.": "No declaration recorded.",
    "Autorité": "Authority", "Numéro (e-FIT, ABM, CRPV…)": "Number (e-FIT, ABM, CRPV…)", "Déclaré le": "Declared on",
    "Nature": "Kind", "Initiale": "Initial", "Suivi": "Follow-up", "Enregistrer la déclaration": "Record the declaration",
    "Orientation et clôture": "Routing and closing", "Attribuer à": "Assign to", "Attribuer": "Assign",
    "Requalifier le produit": "Requalify the product", "Motif": "Reason", "Requalifier": "Requalify", "Issue": "Outcome",
    "Note": "Note", "Clore": "Close", "Motif de réouverture": "Reason for reopening", "Rouvrir": "Reopen",
    "Historique": "History", "File": "Queue", "Filtres": "Filters",
    "Rechercher (référence, produit, lot, don)": "Search (reference, product, batch, donation)", "Ouverts": "Open",
    "Attribution": "Assignment", "Tous": "All", "À moi": "Mine", "Non attribués": "Unassigned", "En retard": "Overdue",
    "Filtrer": "Filter", "Éléments, du plus urgent au moins urgent": "Items, most urgent first", "Échéance": "Due",
    "Pris par": "Held by", "Suite": "Next", "Aucun élément ne correspond.": "No item matches.",
    "Vous ne travaillez aucune file.": "You work no queue.",
    "Catégorie": "Category", "Toutes": "All", "Reçus depuis le": "Received from", "jusqu'au": "to",
    "Courriels": "Emails", "Courriels (boîte d'envoi)": "Emails (outbox)", "Destinataire": "Recipient",
    "Objet": "Subject", "État": "State", "Essais": "Attempts", "Erreur": "Error", "Renvoyer": "Send again",
    "Aucun message.": "No message.", "Ce message ne peut pas être renvoyé.": "This message cannot be sent again.",
    "Message remis en file d'envoi.": "Message queued again.",
}

# marshmallow's messages (English in the library) as French readers see them on the form.
FR_FROM_MARSHMALLOW = {
    "Missing data for required field.": "Ce champ est obligatoire.",
    "Unknown field.": "Champ inconnu.",
    "Field may not be null.": "Ce champ ne peut pas être vide.",
    "Not a valid string.": "Texte attendu.",
    "Not a valid integer.": "Nombre entier attendu.",
    "Not a valid boolean: use true or false.": "Répondez oui ou non.",
    "Not a valid datetime.": "Date et heure invalides.",
    "Not a valid aware datetime.": "Date et heure invalides (fuseau horaire manquant).",
    "Shorter than minimum length 1.": "Ce champ est obligatoire.",
    "Longer than maximum length 64.": "64 caractères au plus.",
    "Longer than maximum length 500.": "500 caractères au plus.",
    "Longer than maximum length 10000.": "10 000 caractères au plus.",
    "Must be greater than or equal to 1 and less than or equal to 4.": "Entre 1 et 4.",
    "Must be greater than or equal to 1900 and less than or equal to 2100.": "Une année entre 1900 et 2100.",
    "At most 3 letters, no name.": "Trois lettres au plus : les initiales, pas le nom.",
    "Must be one of: F, M, U.": "Choisissez F, M ou U.",
    "Invalid input type.": "Type de données invalide.",
}
EN_FROM_MARSHMALLOW = {"Not a valid aware datetime.": "Not a valid date and time (the time zone is missing)."}


def main() -> None:
    pot = read_po(open(HERE / "messages.pot", "rb"))
    for language, table, extra in (("en", EN, EN_FROM_MARSHMALLOW), ("fr", {}, FR_FROM_MARSHMALLOW)):
        catalog = Catalog(locale=language, domain="messages", project="vigilance", fuzzy=False)
        for message in pot:
            if message.id:
                catalog.add(message.id, table.get(message.id, ""), locations=message.locations)
        for msgid, text in extra.items():
            catalog.add(msgid, text, auto_comments=["marshmallow's message, as readers of this language see it"])
        missing = [m.id for m in catalog if m.id and not m.string and language == "en"]
        if missing:
            raise SystemExit(f"untranslated into English: {missing}")
        with open(HERE / language / "LC_MESSAGES" / "messages.po", "wb") as out:
            write_po(out, catalog, width=0)


if __name__ == "__main__":
    main()
