# The card's wrap-up: the outcome and Done (issue 21), and the agent's presence in Settings.
# Every message has its twin in ../fr/wrapup.ftl.

## The wrap-up panel on the card, after the hang-up.

wrapup-title = Wrap-up
wrapup-outcome = Outcome
wrapup-outcome-need = { $required ->
    [yes] required
   *[no] optional
  }
wrapup-outcomes =
    .aria-label = Call outcomes
wrapup-keys = { $outcomes ->
    [yes] Press a digit to pick the outcome, Enter for Done.
   *[no] Press Enter for Done.
  }
wrapup-done = Done
wrapup-chosen = Outcome: { $outcome }
wrapup-outcome-state = { $state ->
    [sent] sent
    [queued] queued
    [failed] not sent
   *[other] { $state }
  }
wrapup-choose-first = Choose an outcome first: this team requires one.
wrapup-ended = The wrap-up time is over: choose an outcome, then press Done.
wrapup-closing = Done: the card closes.

## Errors the app gives in words.

wrapup-error-no-outcomes = the hub asks for no call outcome
wrapup-error-unknown-outcome = “{ $outcome }” is not one of the call outcomes ({ $outcomes })
wrapup-error-outcome-required = choose an outcome first: this team requires one

## Settings: presence in Intercom.

presence-title = Presence in Intercom
presence-follow = Set me away in Intercom while I'm on a call
presence-state = Intercom: { $state ->
    [available] available
    [on_call] away, on a call
    [wrap_up] away, wrapping up a call
    [away_by_choice] away, as you set it
   *[other] state unknown
  }
presence-unreachable = The hub cannot be reached: try again once it is back.
