# The main window's day: the calls to return, the history, My day (issue 21).

## The main window's sections.

tab-callbacks = To call back
tab-day = My day
tab-count = { $count }
    .aria-label = { $count ->
        [one] 1 call to return
       *[other] { $count } calls to return
    }

## The tray.

tray-to-call-back = To call back ({ $count })
tray-label-to-call-back = ☎ { $count }

## To call back.

callbacks-title = To call back
callbacks-offline = Offline since { $when }: the list as last read.
callbacks-show =
    .aria-label = Show
callbacks-open = To do
callbacks-closed = Done today
callbacks-empty = Missed calls and voicemails on your lines appear here, to be called back.
callbacks-closed-empty = Calls returned or dismissed in the last 24 hours appear here.
callbacks-late-count = { $count ->
    [one] 1 late
   *[other] { $count } late
  }
callback-missed = Missed call
callback-voicemail = Voicemail
callback-missed-count = { $count ->
    [one] 1 missed call
   *[other] { $count } missed calls
  }
callback-late = Late
callback-due = To call back by { $time }
callback-claimed-mine = You are calling back
callback-claimed-by = { $name } is calling back
callback-closed-called-back = Called back by { $name }
callback-closed-called-back-after = Called back by { $name } after { $after }
callback-closed-answered = They called again and { $name } answered
callback-closed-dismissed = Dismissed by { $name }: { $reason }
callback-listen = Listen to the voicemail
callback-transcript = Transcript
callback-call = Call back
callback-dismiss = Dismiss
callback-dismiss-reason = Why it needs no call back
    .placeholder = Wrong number, solved by email…
callback-dismiss-confirm = Dismiss
callback-dismiss-cancel = Cancel
callback-actions =
    .aria-label = Actions for { $who }
callback-someone = a teammate
callbacks-error-claimed = { $name } is already calling back.
callbacks-error-closed = This call is no longer on the list: someone returned or dismissed it.
callbacks-error-reason-required = Say why it needs no call back.
callbacks-error-reason-too-long = The reason is too long: at most { $max } characters.

## When: how long ago.

ago-now = just now
ago-minutes = { $n } min ago
ago-hours = { $n } h ago
ago-days = { $n ->
    [one] yesterday
   *[other] { $n } days ago
  }

## The history, one line per call.

history-direction-inbound = Inbound
history-direction-outbound = Outbound
history-direction-missed = Missed
history-outcome = Outcome: { $outcome }
history-actions-menu =
    .aria-label = Actions for { $who }
dial-compact =
    .aria-label = Call a number

## My day.

day-title = My day
day-intro = Today, { $date } ({ $timezone }).
day-offline = Offline since { $when }: the figures as last read.
day-answered = Answered
day-missed = Missed on your lines
day-returned = Returned
day-outbound = Outbound
day-average = Average handle time
day-average-none = —
day-late = Late call-backs
day-late-link = See them
