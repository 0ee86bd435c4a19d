# La fenêtre principale pour la journée : les appels à rendre, l'historique, Ma journée (ticket 21).

## Les sections de la fenêtre principale.

tab-callbacks = À rappeler
tab-day = Ma journée
tab-count = { $count }
    .aria-label = { $count ->
        [one] { $count } appel à rendre
       *[other] { $count } appels à rendre
    }

## La barre des tâches.

tray-to-call-back = À rappeler ({ $count })
tray-label-to-call-back = ☎ { $count }

## À rappeler.

callbacks-title = À rappeler
callbacks-offline = Hors ligne depuis { $when } : la liste telle que lue en dernier.
callbacks-show =
    .aria-label = Afficher
callbacks-open = À faire
callbacks-closed = Faits aujourd'hui
callbacks-empty = Les appels manqués et messages vocaux de vos lignes apparaissent ici, pour être rappelés.
callbacks-closed-empty = Les appels rendus ou écartés dans les dernières 24 heures apparaissent ici.
callbacks-late-count = { $count ->
    [one] { $count } en retard
   *[other] { $count } en retard
  }
callback-missed = Appel manqué
callback-voicemail = Message vocal
callback-missed-count = { $count ->
    [one] { $count } appel manqué
   *[other] { $count } appels manqués
  }
callback-late = En retard
callback-due = À rappeler avant { $time }
callback-claimed-mine = Vous rappelez
callback-claimed-by = { $name } rappelle
callback-closed-called-back = Rappelé par { $name }
callback-closed-called-back-after = Rappelé par { $name } après { $after }
callback-closed-answered = Nouvel appel, répondu par { $name }
callback-closed-dismissed = Écarté par { $name } : { $reason }
callback-listen = Écouter le message vocal
callback-transcript = Transcription
callback-call = Rappeler
callback-dismiss = Écarter
callback-dismiss-reason = Pourquoi il n'y a pas à rappeler
    .placeholder = Mauvais numéro, réglé par e-mail…
callback-dismiss-confirm = Écarter
callback-dismiss-cancel = Annuler
callback-actions =
    .aria-label = Actions pour { $who }
callback-someone = un collègue
callbacks-error-claimed = { $name } rappelle déjà.
callbacks-error-closed = Cet appel n'est plus dans la liste : quelqu'un l'a rendu ou écarté.
callbacks-error-reason-required = Dites pourquoi il n'y a pas à rappeler.
callbacks-error-reason-too-long = La raison est trop longue : { $max } caractères au plus.

## Quand : il y a combien de temps.

ago-now = à l'instant
ago-minutes = il y a { $n } min
ago-hours = il y a { $n } h
ago-days = { $n ->
    [one] hier
   *[other] il y a { $n } jours
  }

## L'historique, une ligne par appel.

history-direction-inbound = Entrant
history-direction-outbound = Sortant
history-direction-missed = Manqué
history-outcome = Issue : { $outcome }
history-actions-menu =
    .aria-label = Actions pour { $who }
dial-compact =
    .aria-label = Appeler un numéro

## Ma journée.

day-title = Ma journée
day-intro = Aujourd'hui, { $date } ({ $timezone }).
day-offline = Hors ligne depuis { $when } : les chiffres tels que lus en dernier.
day-answered = Répondus
day-missed = Manqués sur vos lignes
day-returned = Rendus
day-outbound = Sortants
day-average = Durée moyenne de traitement
day-average-none = —
day-late = Rappels en retard
day-late-link = Les voir
