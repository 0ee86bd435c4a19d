# Les mots des fenêtres (ui/) : la fenêtre principale et la fiche d'appel. Chaque message a son
# jumeau dans ../en/windows.ftl, avec les mêmes variables.

## Communs aux deux fenêtres.

status-line = { $state } · { $mode }
status-queued = { $count } en file d'attente
status-kept = { $count } en attente d'un jeton corrigé
status-paused = notifications en pause
status-unauthorized = Le hub refuse le jeton d'agent : corrigez-le dans les Réglages
delivery-sent = Envoyé au hub ; il arrive dans Intercom dans un instant.
delivery-queued = En file d'attente : envoyé dès que le hub est de retour.
delivery-waiting-for-token = Gardé ici : le hub refuse le jeton d'agent (renouvelé ou mal saisi). Il sera envoyé une fois le jeton corrigé dans les Réglages.
availability-title = { $availability ->
    [available] Disponible
    [in_call] En appel
    [after_call_work] En post-appel
    [do_not_disturb] Ne pas déranger
    [offline] Hors ligne
   *[other] Disponibilité inconnue
  }
kind = { $kind ->
    [user] Utilisateur
   *[lead] Prospect
  }
anonymous-caller = Appelant anonyme

## La fenêtre principale : ses onglets.

tab-history = Historique
tab-settings = Réglages
tab-about = À propos
tabs =
    .aria-label = Sections

## La configuration au premier lancement.

setup-title = Bienvenue dans Ringside
setup-intro = Comment cet ordinateur doit-il recevoir ses appels ? Vous pourrez changer d'avis dans les Réglages.
setup-connected = Me connecter au hub de mon entreprise
setup-connected-detail = Votre administrateur vous a donné l'adresse du hub.
setup-standalone = Fonctionner en autonome
setup-standalone-detail = Votre propre clé d'API Aircall et votre jeton Intercom ; Ringside fait tourner son propre hub sur cet ordinateur.
setup-demo = Essayer la démo
setup-demo-detail = Un bac à sable intégré joue des appels toutes les quelques secondes ; rien ne touche vos comptes.
demo-starting = Démarrage de la démo…

## La connexion à un hub : son adresse, puis Intercom ou une invitation.

signin-title = Se connecter au hub de votre entreprise
signin-intro = Tapez l'adresse du hub que votre administrateur vous a donnée, puis connectez-vous avec votre compte Intercom.
label-signin-hub = Adresse du hub
signin-hub =
    .placeholder = https://ringside.example.com
signin-intercom = Se connecter avec Intercom
signin-waiting = Votre navigateur affiche la page de connexion du hub : terminez-y, Ringside continue tout seul. Ringside attend jusqu'à 10 minutes ; Annuler arrête l'attente.
signin-cancel = Annuler
signin-invitation = J'ai un lien d'invitation
label-invitation-link = Lien d'invitation
invitation-link =
    .placeholder = ringside://join?hub=…&code=…
signin-join = Rejoindre
signin-joining = Connexion au hub…
signin-invitation-arrived = Une invitation à { $hub } est arrivée. Appuyez sur Rejoindre pour l'accepter.
signin-token = Avancé : coller plutôt un jeton d'agent
signin-done = Connecté en tant que { $email } à { $hub }. { $status }
signin-back = Retour

## L'historique.

sync-title = Synchronisation des contacts
sync-last = Dernière synchronisation { $kind ->
    [full] complète
   *[incremental] incrémentale
  } le { $when } : { $indexed } contacts indexés, { $written } écritures dans Aircall{ $failed ->
    [0] {""}
   *[other] , { $failed } refusées par Aircall
  }.
sync-no-run = Aucune synchronisation terminée pour l'instant.
sync-last-error = Dernière erreur : { $error }
sync-unknown = Inconnu : { $error }
history-title = Historique de journalisation
history-offline = (hors ligne — état au { $when })
history-when = Quand
history-what = Quoi
held-back-waiting = { $count ->
    [one] {" "}— { $count } de vos notes ou tags attend la journalisation
   *[other] {" "}— { $count } de vos notes et tags attendent la journalisation
  }
held-back-off = { $count ->
    [one] {" "}— { $count } de vos notes ou tags n'est pas arrivé dans Intercom
   *[other] {" "}— { $count } de vos notes et tags ne sont pas arrivés dans Intercom
  }
see-conversation = Voir la conversation

## Réglages.

demo-note = Le mode démo tourne sur le bac à sable intégré ; ces réglages s'appliquent quand Ringside tourne sans --demo.
legend-language = Langue
label-language = Langue de l'application
language-system = Celle du système
language-en = English
language-fr = Français
legend-mode = Mode
mode-connected = Connecté au hub de mon entreprise
mode-standalone = Autonome (mes propres identifiants Aircall et Intercom)
legend-hub = Hub
label-hub-url = Adresse du hub
hub-url =
    .placeholder = https://ringside.example.com
label-agent-token = Jeton d'agent
secret-kept =
    .placeholder = gardé dans le trousseau du système
secret-saved = enregistré dans le trousseau du système (saisissez pour remplacer)
legend-credentials = Identifiants
label-agent-email = Votre e-mail
label-aircall-api-id = Identifiant d'API Aircall
label-aircall-api-token = Jeton d'API Aircall
label-intercom-token = Jeton Intercom
label-intercom-region = Région Intercom
region-us = États-Unis
region-eu = Europe
region-au = Australie
legend-receiving = Réception des appels
receiving-note = Aircall livre les appels par Internet. Faites suivre une adresse https publique (un tunnel comme cloudflared ou ngrok, ou un proxy inverse) vers { $address } sur cet ordinateur, saisissez-la ici, enregistrez, puis déclarez-la.
label-webhook-port = Port sur cet ordinateur
label-webhook-url = Adresse publique
webhook-url =
    .placeholder = https://calls.example.com
register-webhook = Déclarer auprès d'Aircall
webhook-registered = Déclarée auprès d'Aircall : { $url }
webhook-not-registered = Pas encore déclarée auprès d'Aircall : aucun appel n'arrive en mode autonome tant qu'elle ne l'est pas.
webhook-now-registered = Déclarée auprès d'Aircall : les appels arrivent désormais à { $url }.
through-proxy = Par un proxy
label-intercom-base-url = Adresse de base d'Intercom
intercom-base-url =
    .placeholder = l'hôte de la région
label-aircall-base-url = Adresse de base d'Aircall
aircall-base-url =
    .placeholder = https://api.aircall.io
legend-integration = Intégration
integration-hub-note = Réglée par l'administrateur de votre hub : ce que le hub journalise dans Intercom et comment il copie les contacts vers Aircall.
integration-app-note = Ce que le hub de cette application journalise dans Intercom, et comment il copie les contacts vers Aircall.
log-answered-calls = Journaliser les appels répondus
log-missed-calls = Journaliser les appels manqués
log-outbound-calls = Journaliser les appels sortants
log-messages = Journaliser les SMS et messages WhatsApp
create-contacts = Créer un contact Intercom pour un numéro inconnu
new-contact-role = Les contacts créés sont des
role-lead = Prospects
role-user = Utilisateurs
message-fallback = Un message entrant sans coéquipier unique va à
fallback-unassigned = personne (les règles d'Intercom)
fallback-admin = l'administrateur de l'intégration
tag-window-before = Les tags Aircall parviennent à Intercom jusqu'à
tag-window-after = minutes après l'appel
tag-window-name = La fenêtre des tags
push-insight-cards = Afficher la fiche dans l'application téléphone d'Aircall
sync-enabled = Copier les contacts Intercom vers Aircall
sync-roles = Contacts à copier
roles-both = Utilisateurs et prospects
roles-users = Utilisateurs
roles-leads = Prospects
sync-interval-before = Synchroniser toutes les
sync-interval-after = minutes
sync-interval-name = Le délai entre deux synchronisations
sync-full-before = Une synchronisation complète (elle trouve les contacts supprimés) toutes les
sync-full-after = heures
sync-full-name = Le délai entre deux synchronisations complètes
not-whole-number = { $field } doit être un nombre entier
legend-calls = Appels
label-default-region = Région par défaut des numéros nationaux
label-card = Ouvrir la fiche
card-on-ring = quand l'appel sonne
card-on-answer = quand je réponds
card-never = jamais d'elle-même
label-notifications = M'avertir des appels entrants
label-start-with-session = Lancer Ringside à l'ouverture de session
save-and-check = Enregistrer et vérifier
check-again = Vérifier à nouveau
checking = Vérification…
saved = Enregistré. { $status }

## Les réglages d'intégration du hub, en lecture seule en mode connecté.

hub-answered = Appels répondus
hub-missed = Appels manqués
hub-outbound = Appels sortants
hub-messages = SMS et WhatsApp
hub-logged = { $logged ->
    [yes] journalisés
   *[no] non journalisés
  }
hub-unknown-numbers = Numéros inconnus
hub-create-contacts = { $create ->
    [yes] reçoivent un nouveau contact
   *[no] ne sont pas journalisés
  }
hub-new-contacts = Les nouveaux contacts sont des
hub-fallback = Les messages sans correspondance vont à
hub-fallback-value = { $fallback ->
    [integration_admin] l'administrateur de l'intégration
   *[other] personne (les règles d'Intercom)
  }
hub-tag-window = Les tags Aircall sont synchronisés pendant
hub-tag-window-value = { $minutes } minutes après l'appel
hub-push-cards = Fiche dans l'application téléphone d'Aircall
hub-shown = { $shown ->
    [yes] affichée
   *[no] non affichée
  }
hub-sync = Synchronisation des contacts
hub-sync-value = { $roles } vers Aircall toutes les { $minutes } minutes, une synchronisation complète toutes les { $hours } heures
hub-sync-off = désactivée
not-available = Indisponible : { $error }

## À propos.

about-title = À propos de Ringside
about-what = Ringside montre qui appelle — l'utilisateur ou le prospect Intercom, sa dernière conversation, qui en est responsable et si cette personne est libre — et journalise chaque appel et message Aircall dans Intercom.
about-secrets = Les secrets sont gardés uniquement dans le trousseau du système. Les tags et notes saisis quand le hub est injoignable sont gardés sur cet ordinateur et envoyés dès son retour.
about-hub = Hub : { $hub }{ $reason }
about-not-connected = Non connecté{ $reason }

## La fiche d'appel.

card-empty = Aucun appel pour l'instant. La fiche s'ouvre quand un appel sonne.
card-footer = Alt+N note · Alt+T tag · Échap fermer
card-new = Nouveau { $kind ->
    [user] utilisateur
   *[lead] prospect
  } Aircall
card-anonymous = Anonyme
card-shared = { $count } contacts partagent ce numéro
see-contact = Voir la fiche du contact
see-last-conversation = Voir la dernière conversation
conversation = Conversation :{" "}
conversation-state = { $state ->
    [open] ouverte
    [closed] fermée
    [snoozed] en veille
   *[other] { $state }
  }
owner = Responsable :{" "}
unassigned = non attribuée
conversation-tags = Tags :{" "}
conversation-tags-list =
    .aria-label = Tags de la dernière conversation
no-conversation = Aucune conversation précédente
timer = { $state ->
    [ended] Terminé
    [transferred] Transféré
    [in_call] En appel
   *[ringing] Sonne
  } · { $duration }
picker-label = Numéro partagé
picker-choose = Choisissez le contact auquel journaliser cet appel…
picker-option = { $name } ({ $kind ->
    [user] Utilisateur
   *[lead] Prospect
  })
picker-first = Choisissez d'abord un contact.
picker-logged = L'appel sera journalisé pour ce contact.
picker-log = Journaliser pour ce contact
chip-state = { $state ->
    [applied] sur la conversation dans Intercom
    [adding] en route vers Intercom
    [removing] en cours de retrait dans Intercom
    [sent] envoyé au hub
    [queued] gardé ici jusqu'au retour du hub (ou la correction du jeton d'agent)
    [waiting] accepté ; il attend que l'appel soit journalisé
    [failed] refusé
   *[other] { $state }
  }
remove-tag =
    .aria-label = Retirer le tag { $tag }
tags-title = Tags
tags-where-logged = Les tags de la conversation de cet appel dans Intercom.
tags-where-not-logged = Les tags iront sur la conversation de cet appel une fois qu'il sera journalisé.
tags-error = Les tags d'Intercom n'ont pas pu être lus : { $error }
tag-input =
    .placeholder = Ajouter un tag (Alt+T)
    .aria-label = Ajouter un tag
tag-too-long = Un tag a au plus { $max } caractères.
add-tag = Ajouter
notes-title = Notes
note-state = { $state ->
    [sent] envoyée
    [queued] en file d'attente
    [waiting] en attente
    [failed] échec
   *[other] { $state }
  }
note-input =
    .placeholder = Une note pour la conversation (Alt+N ; Ctrl+Entrée enregistre)
    .aria-label = Une note pour la conversation
note-count = { $count } / { $max } caractères : trop long
note-too-long = Une note a au plus { $max } caractères ; celle-ci en a { $count }.
save-note = Enregistrer la note

## Le champ d'appel, les filtres et les actions de l'historique, et les fiches de message.

dial-label = Appeler un numéro
dial-call = Appeler
calling = Appel en cours…
filters =
    .aria-label = Afficher
filter-all = Tout
filter-missed = Manqués
filter-not-logged = Non journalisés
history-who = Qui
history-duration = Durée
history-intercom = Intercom
history-actions = Actions
history-empty = Rien à afficher.
choose-contact = Choisir le contact
call-back = Rappeler
unknown-number = Numéro inconnu
label-popups = Ouvrir une fiche pour
popups-calls-and-messages = les appels et les messages (SMS, WhatsApp)
popups-calls-only = les appels seulement
