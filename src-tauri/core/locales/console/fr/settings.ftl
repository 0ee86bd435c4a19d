## The settings page.
settings-intro = La configuration du hub telle qu'il l'applique : chaque valeur avec sa provenance. Les secrets ne sont jamais affichés. Ce qui est consigné se modifie ici : un changement s'applique aussitôt, est conservé par le hub et remplace le fichier de configuration jusqu'à ce qu'il soit annulé.
settings-no-report = Ce hub a été démarré sans fichier de configuration ni environnement (le hub intégré d'une application ou un test) : les valeurs affichées sont celles du programme.
settings-col-key = Réglage
settings-col-value = Valeur
settings-col-source = Provenance
settings-not-set = non défini
settings-source-file = fichier { $path }
settings-source-file-line = fichier { $path }, ligne { $line }
settings-source-environment = variable d'environnement { $var }
settings-source-flag = option de ligne de commande { $flag }
settings-source-default = valeur par défaut
settings-source-console = console, par { $who } le { $when }
settings-overriding-file = remplace la valeur du fichier, { $value }
settings-overriding-environment = remplace la valeur de l'environnement, { $value }
settings-overriding-flag = remplace la valeur de l'option, { $value }
settings-overriding-default = remplace la valeur par défaut, { $value }
settings-reset = Revenir à la valeur du fichier
settings-save = Enregistrer
settings-save-hint = Seuls les réglages dont vous avez changé la valeur sont modifiés ; chaque changement est consigné à votre nom.
settings-saved = { $n ->
    [0] Rien n'a changé.
    [one] Un réglage a changé ; le hub l'applique désormais.
   *[other] { $n } réglages ont changé ; le hub les applique désormais.
}
settings-was-reset = { $key } suit de nouveau la configuration.
settings-refused = Rien n'a été modifié : { $key } n'accepte pas cette valeur ({ $reason }).
settings-refused-unknown = Rien n'a été modifié : il n'existe pas de réglage { $key }.
settings-refused-not-here = Rien n'a été modifié : { $key } ne se change pas dans la console ; définissez-le dans hub.toml.
settings-refused-whole = Rien n'a été modifié : { $key } prend un nombre entier de { $min } à { $max }, pas « { $value } ».
settings-refused-bool = Rien n'a été modifié : { $key } est activé ou non (true ou false), pas « { $value } ».
settings-refused-choice = Rien n'a été modifié : { $key } prend l'une des valeurs { $choices }, pas « { $value } ».
settings-group-aircall = Aircall
settings-group-intercom = Intercom
settings-group-hub = Le hub
settings-group-logging = Les journaux du hub
settings-group-signin = Connexion
settings-group-console = La console d'administration et les horaires de l'équipe
settings-group-contact-sync = Synchronisation des contacts
settings-group-what-is-logged = Ce qui est consigné
settings-group-around-the-call = Autour de l'appel : présence, fin d'appel et rappels
settings-doc-log_answered_calls = Consigner les appels entrants décrochés.
settings-doc-log_missed_calls = Consigner les appels entrants manqués.
settings-doc-log_outbound_calls = Consigner les appels sortants.
settings-doc-log_messages = Consigner les SMS et les messages WhatsApp.
settings-doc-create_contacts = Créer un contact Intercom pour un numéro qu'Intercom ne connaît pas.
settings-doc-new_contact_role = Le rôle des contacts créés par Ringside.
settings-doc-message_fallback = À qui va un message entrant quand aucun coéquipier ne correspond à son numéro.
settings-doc-tag_window_minutes = Combien de temps après la fin d'un appel ses étiquettes Aircall parviennent encore à Intercom, en minutes (0 à 10080).
settings-doc-push_insight_cards = Afficher la fiche de l'appelant dans l'application téléphonique d'Aircall pendant l'appel.
settings-doc-log_ai_insights = Noter le résumé, les actions, les sujets et le ressenti de l'IA d'Aircall dans la conversation.
settings-doc-ai_topics_as_tags = Étiqueter la conversation avec les sujets de l'IA d'Aircall.
settings-choice-lead = Prospect
settings-choice-user = Utilisateur
settings-choice-unassigned = Personne (les règles d'Intercom)
settings-choice-integration_admin = L'administrateur à qui appartient le jeton Intercom
