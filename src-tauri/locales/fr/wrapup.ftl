# The card's wrap-up: the outcome and Done (issue 21), and the agent's presence in Settings.
# Every message has its twin in ../en/wrapup.ftl.

## The wrap-up panel on the card, after the hang-up.

wrapup-title = Après-appel
wrapup-outcome = Issue de l'appel
wrapup-outcome-need = { $required ->
    [yes] obligatoire
   *[no] facultative
  }
wrapup-outcomes =
    .aria-label = Issues de l'appel
wrapup-keys = { $outcomes ->
    [yes] Un chiffre choisit l'issue, Entrée termine.
   *[no] Entrée termine.
  }
wrapup-done = Terminé
wrapup-chosen = Issue : { $outcome }
wrapup-outcome-state = { $state ->
    [sent] envoyée
    [queued] en attente
    [failed] non envoyée
   *[other] { $state }
  }
wrapup-choose-first = Choisissez d'abord une issue : l'équipe en exige une.
wrapup-ended = Le temps d'après-appel est écoulé : choisissez une issue, puis Terminé.
wrapup-closing = Terminé : la fiche se ferme.

## Errors the app gives in words.

wrapup-error-no-outcomes = le hub ne demande aucune issue d'appel
wrapup-error-unknown-outcome = « { $outcome } » n'est pas une des issues d'appel ({ $outcomes })
wrapup-error-outcome-required = choisissez d'abord une issue : l'équipe en exige une

## Settings: presence in Intercom.

presence-title = Présence dans Intercom
presence-follow = M'indiquer absent dans Intercom pendant mes appels
presence-state = Intercom : { $state ->
    [available] disponible
    [on_call] absent, en appel
    [wrap_up] absent, en après-appel
    [away_by_choice] absent, comme vous l'avez choisi
   *[other] état inconnu
  }
presence-unreachable = Le hub est injoignable : réessayez quand il sera revenu.
