# Les mots de l'application de bureau : le menu de la zone de notification, les notifications et
# les erreurs que lit l'agent. Chaque message a son jumeau dans ../en/desktop.ftl.

## La connexion et le mode, communs à la zone de notification et à la ligne d'état des fenêtres.

connection-connected = Connecté
connection-connecting = Connexion…
connection-reconnecting = Reconnexion (tentative { $attempt })…
connection-offline = Hors ligne
connection-unauthorized = Le hub refuse le jeton d'agent
mode-name = { $mode ->
    [connected] connecté
    [standalone] autonome
    [demo] démo
    [not-set-up] non configuré
   *[other] { $mode }
  }
call-state = { $state ->
    [ringing] sonne
    [answered] en appel
    [transferred] transféré
    [ended] terminé
    [missed] manqué
   *[other] { $state }
  }

## La zone de notification.

tray-status = { $state } — { $mode }
tray-kept-until-fixed = , { $count } en attente d'un jeton corrigé dans les Réglages
tray-fix-token = , corrigez le jeton dans les Réglages
tray-queued = , { $count } en file d'attente
tray-paused = , notifications en pause
tray-tooltip = Ringside — { $status }
tray-recent = { $name } — { $state }
tray-recent-calls = Appels récents
tray-pause = Suspendre les notifications
tray-history = Historique
tray-settings = Réglages…
tray-quit = Quitter Ringside
unknown-caller = Appelant inconnu

## Les notifications.

notify-incoming = Appel entrant : { $who }
notify-who-new = { $name } — nouveau { $kind ->
    [user] utilisateur
   *[lead] prospect
  } Aircall
notify-who-anonymous = Appelant anonyme
notify-who-shared = { $name } — { $count } contacts partagent ce numéro
notify-who-known = { $name } ({ $kind ->
    [user] Utilisateur
   *[lead] Prospect
  })
notify-owner = Responsable de la conversation : { $owner }
notify-owner-availability = Responsable de la conversation : { $owner } ({ $availability })
notify-no-conversation = Aucune conversation précédente
notify-unassigned = La conversation n'est pas attribuée
notify-show-card = Afficher la fiche
availability = { $availability ->
    [available] disponible
    [in-call] en appel
    [after-call-work] en post-appel
    [do-not-disturb] ne pas déranger
   *[offline] hors ligne
  }

## Les erreurs que lit l'agent.

error-keyring = aucun trousseau n'est disponible ({ $detail }) ; démarrez et déverrouillez GNOME Keyring ou KWallet — Ringside ne garde ses secrets nulle part ailleurs
error-not-configured = il manque { $what } ; ouvrez les Réglages
error-hub = le hub a refusé : { $detail }
error-offline = le hub est injoignable ({ $detail }) ; voici ce qui est gardé sur cet ordinateur
error-storage = stockage local : { $detail }
error-window = fenêtre : { $detail }
setting-hub-url = l'adresse du hub
setting-agent-token = le jeton d'agent
setting-agent-email = votre e-mail
setting-aircall-api-id = l'identifiant d'API Aircall
setting-aircall-api-token = le jeton d'API Aircall
setting-intercom-token = le jeton Intercom
setting-webhook-port = le port de cet ordinateur pour les webhooks
setting-webhook-url = l'adresse https publique des webhooks
error-default-region = la région par défaut `{ $value }` n'est pas un code pays comme FR ou US
error-intercom-region = la région Intercom `{ $value }` n'est pas us, eu ou au
error-web-address = { $what ->
    [hub] l'adresse du hub
    [intercom] l'adresse de base d'Intercom
   *[aircall] l'adresse de base d'Aircall
  } `{ $value }` n'est pas une adresse http(s), ou est en http simple hors de cette machine (utilisez https:// : sur cette machine seulement personne sur le réseau ne peut lire les jetons)
error-webhook-https = l'adresse du webhook `{ $value }` n'est pas en https : Aircall ne livre qu'en https
error-email = `{ $value }` n'est pas une adresse e-mail
error-empty = { $what ->
    [note] la note est vide
    [contact] le contact est vide
   *[tag] le tag est vide
  }
error-too-long = { $what ->
    [note] la note dépasse
    [contact] le contact dépasse
   *[tag] le tag dépasse
  } { $max } caractères

## La ligne de la synchronisation des contacts, dans la fenêtre principale.

sync-off = La synchronisation des contacts est désactivée
sync-scanning = Lecture d'Intercom : { $count } contacts lus{ $percent }
sync-pushing = Écriture dans Aircall : { $count } écrits{ $percent }
sync-percent = {" "}({ $percent } %)
sync-stopped = Arrêtée avant la fin ; elle reprend à la prochaine exécution
sync-done = À jour
sync-idle = En attente de la première exécution
sync-eta = , encore { $left } environ
sync-waiting = {" "}— en attente : { $why }
sync-stopped-ask-admin = la dernière synchronisation s'est arrêtée avant la fin ; votre administrateur peut en lire la raison sur le hub

## Les vérifications de la configuration (Réglages → Enregistrer et vérifier).

check-region = Région par défaut
check-region-ok = les numéros nationaux sont lus comme des numéros { $region }
check-hub = Hub
check-hub-none = pas encore d'adresse : saisissez l'adresse du hub que votre administrateur vous a donnée.
check-hub-up = { $url } répond ({ $count } événements en cours de journalisation)
check-hub-down = impossible de joindre { $url } ({ $error }). Vérifiez l'adresse, et que le hub tourne.
check-agent-token = Jeton d'agent
check-token-none = aucun enregistré : collez le jeton que votre administrateur a créé pour vous (`ringside-cli agents add`).
check-token-ok = le hub l'accepte
check-token-refused = le hub l'a refusé : il est peut-être mal saisi ou révoqué ; demandez-en un nouveau à votre administrateur.
check-keyring = Trousseau
check-email = Votre e-mail
check-email-none = non renseigné : saisissez l'e-mail de vos comptes Intercom et Aircall.
check-credentials = Identifiants

## L'historique et le rappel (src/desk/words.rs).

words-inbound-call = Appel entrant
words-outbound-call = Appel sortant
words-missed-call = Appel manqué
words-inbound-sms = SMS entrant
words-outbound-sms = SMS sortant
words-inbound-whatsapp = WhatsApp entrant
words-outbound-whatsapp = WhatsApp sortant
words-anonymous-caller = Appelant anonyme
words-logged = Journalisé dans Intercom
words-in-progress = En cours
words-waiting-for-intercom = En attente d'Intercom
words-not-logged-shared = Non journalisé : { $count } contacts partagent ce numéro — choisissez-en un
words-not-logged-missed-off = Non journalisé : la journalisation des appels manqués est désactivée
words-not-logged-answered-off = Non journalisé : la journalisation des appels répondus est désactivée
words-not-logged-outbound-off = Non journalisé : la journalisation des appels sortants est désactivée
words-not-logged-messages-off = Non journalisé : la journalisation des SMS et messages WhatsApp est désactivée
words-not-logged-because = Non journalisé : { $reason }
words-not-logged-refused = Non journalisé : Intercom l'a refusé ({ $reason })
words-refused-note = Intercom a refusé la note « { $value } » : { $reason }
words-refused-add-tag = Intercom a refusé le tag « { $value } » : { $reason }
words-refused-remove-tag = Intercom n'a pas retiré le tag « { $value } » : { $reason }
words-new-sms = Nouveau SMS
words-new-whatsapp = Nouveau message WhatsApp
words-dial-placed = { $number } est dans votre téléphone Aircall : appuyez sur appeler.
words-dial-not-a-number = Ce n'est pas un numéro : « { $number } » ne peut pas être appelé.
words-dial-no-user = Aucun utilisateur Aircall n'a votre e-mail : demandez à votre administrateur de vous ajouter à Aircall avec celui-ci.
words-dial-refused = Aircall n'a pas passé l'appel : vous êtes hors ligne ou indisponible dans Aircall ({ $reason }).
words-dial-no-aircall = Le hub n'a pas de compte Aircall : il ne peut pas passer d'appels.
words-dial-offline = Le hub est injoignable : l'appel n'a pas été passé ({ $reason }).
words-dial-failed = L'appel n'a pas été passé : { $reason }

## The hub's reasons, by code (`reason_code`), with the values it sends (`reason_values`): why a
## call or message is not logged (after "Not logged: "), and why a number was not dialled.
reason-answered-calls-off = la journalisation des appels répondus est désactivée
reason-missed-calls-off = la journalisation des appels manqués est désactivée
reason-outbound-calls-off = la journalisation des appels sortants est désactivée
reason-messages-off = la journalisation des SMS et messages WhatsApp est désactivée
reason-shared-number = { $count } contacts partagent ce numéro — choisissez-en un
reason-no-contact = aucun contact Intercom n'a ce numéro et la création de contacts est désactivée
reason-anonymous-no-contact = l'appelant a masqué son numéro et la création de contacts est désactivée
reason-unreadable-number = le numéro est illisible ({ $detail })
reason-intercom-refused = Intercom l'a refusé ({ $reason })
reason-dial-anonymous = L'appelant a masqué son numéro : impossible de le rappeler.
reason-dial-bad-number = Ce n'est pas un numéro : « { $number } » ne peut pas être appelé.
reason-no-aircall-user = Aucun utilisateur Aircall n'a votre e-mail : demandez à votre administrateur de vous ajouter à Aircall avec celui-ci.
reason-aircall-user-gone = Votre utilisateur Aircall n'existe plus : demandez à votre administrateur.
reason-dial-refused = Aircall n'a pas passé l'appel : vous êtes hors ligne ou indisponible dans Aircall ({ $reason }).
reason-no-aircall = Le hub n'a pas de compte Aircall : il ne peut pas passer d'appels.

## La connexion à un hub (Intercom par le hub, ou un lien d'invitation).

signin-error-address = l'adresse du hub n'est pas utilisable : { $value }
signin-error-unreachable = impossible de joindre le hub à { $hub } ({ $detail }) ; vérifiez l'adresse, ou demandez à votre administrateur si le hub fonctionne
signin-error-refused = la connexion a été refusée : { $message }
signin-error-unreadable = la réponse du hub est illisible ({ $detail }) ; le hub est peut-être d'une autre version que cette application
signin-error-no-answer = le navigateur n'est pas revenu vers Ringside dans les { $minutes } minutes ; connectez-vous à nouveau
signin-error-wrong-state = la réponse revenue à Ringside n'était pas celle de cette connexion ; connectez-vous à nouveau
signin-error-malformed = la réponse du hub est revenue sans code de connexion ; connectez-vous à nouveau
signin-error-cancelled = la connexion a été annulée
signin-error-browser = impossible d'ouvrir le navigateur ({ $detail })
signin-error-listen = impossible d'attendre la réponse du navigateur sur cet ordinateur ({ $detail })
signin-error-link = ce n'est pas un lien d'invitation Ringside : { $reason }
signin-error-demo = la démo ne se connecte pas à un hub ; lancez Ringside sans --demo
signin-link-too-long = il est trop long
signin-link-not-invitation = une invitation commence par ringside://join?
signin-link-hub = l'adresse de son hub manque, ou n'est pas une adresse https:// (http simple seulement sur cet ordinateur)
signin-link-code = son code manque ou est abîmé ; copiez à nouveau le lien entier
signin-page-title = Ringside
signin-page-done = Vous êtes connecté à Ringside. Vous pouvez fermer cet onglet.
signin-page-refused = Ringside n'a pas pu vous connecter : { $message }. Vous pouvez fermer cet onglet.
signin-page-over = Cette connexion est terminée. Vous pouvez fermer cet onglet.
signin-page-not-found = Rien ici. Vous pouvez fermer cet onglet.
