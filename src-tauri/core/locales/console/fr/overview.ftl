## La page d'accueil.
overview-received = Ce que le hub a reçu
overview-last-aircall = Dernier webhook d'Aircall
overview-last-intercom = Dernière notification d'Intercom
overview-late = En retard
overview-never = Aucun reçu pour l'instant
overview-intercom-off = Les notifications d'Intercom sont désactivées sur ce hub (pas de secret client).
overview-ago = il y a { $span }
overview-quiet-aircall = Aucun webhook d'Aircall depuis plus de { $minutes } minutes pendant les heures ouvrées : vérifiez les réglages de webhook d'Aircall et qu'Aircall atteint le hub.
overview-quiet-intercom = Aucune notification d'Intercom depuis plus de { $minutes } minutes pendant les heures ouvrées : vérifiez les réglages de webhook de l'application Intercom.
overview-vendors = Services
overview-vendor = Service
overview-last-error = Dernière erreur
overview-429s = Limites de débit (dernière heure)
overview-budget-used = Budget de requêtes utilisé
overview-no-error = Aucune erreur depuis le démarrage du hub
overview-error-credentials = { $when } : identifiants du hub refusés ({ $status }) sur { $method } { $endpoint }
overview-error-rate-limited = { $when } : trop de requêtes ({ $status }) sur { $method } { $endpoint }
overview-error-server = { $when } : le service a échoué ({ $status }) sur { $method } { $endpoint }
overview-error-refused = { $when } : requête refusée ({ $status }) sur { $method } { $endpoint }
overview-error-network = { $when } : pas de réponse (erreur réseau ou délai dépassé) sur { $method } { $endpoint }
overview-rate-limited = { $n ->
    [0] Aucune
    [one] Une réponse 429
   *[other] { $n } réponses 429
}
overview-budget = { $used } requêtes sur { $budget } dans la dernière minute ({ $percent } %)
overview-work = Travail
overview-inbox = Webhooks en attente (boîte de réception)
overview-outbox = Effets en attente, { $lane }
overview-lane-interactive = voie interactive
overview-lane-logging = voie de journalisation
overview-failed = Effets en échec ces dernières 24 heures
overview-streams = Agents en ligne
overview-online = { $agents ->
    [one] { $agents } agent
   *[other] { $agents } agents
} ({ $streams ->
    [one] { $streams } flux d'événements
   *[other] { $streams } flux d'événements
})
overview-sync = Synchronisation des contacts
overview-sync-off = Ce hub ne synchronise pas les contacts
overview-sync-idle = En attente de la prochaine synchronisation
overview-sync-scanning = Lecture d'Intercom : { $seen } contacts jusqu'ici
overview-sync-pushing = Écriture dans Aircall : { $written } contacts écrits jusqu'ici
overview-sync-done = Dernière synchronisation terminée : { $seen } contacts lus, { $written } écrits, { $failed } refusés
overview-sync-stopped = La dernière synchronisation s'est arrêtée avant la fin ; elle reprendra à la prochaine
overview-hub = Le hub
overview-version = Version
overview-uptime = En marche depuis
overview-database = Taille de la base
overview-seconds = { $n ->
    [one] une seconde
   *[other] { $n } secondes
}
overview-minutes = { $n ->
    [one] une minute
   *[other] { $n } minutes
}
overview-hours = { $n ->
    [one] une heure
   *[other] { $n } heures
}
overview-days = { $n ->
    [one] un jour
   *[other] { $n } jours
}
overview-callbacks = Rappels
overview-callbacks-waiting = À rappeler
overview-callbacks-late = En retard
overview-callbacks-oldest-late = Le plus ancien en retard
overview-callbacks-none-late = Aucun en retard
overview-callbacks-returned = Rappelés aujourd’hui
