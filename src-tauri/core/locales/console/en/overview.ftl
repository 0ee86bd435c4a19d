## The overview page.
overview-received = What the hub received
overview-last-aircall = Last Aircall webhook
overview-last-intercom = Last Intercom notification
overview-late = Late
overview-never = None received yet
overview-intercom-off = Intercom's notifications are off on this hub (no client secret).
overview-ago = { $span } ago
overview-quiet-aircall = No Aircall webhook for more than { $minutes } minutes during business hours: check Aircall's webhook settings and that Aircall reaches the hub.
overview-quiet-intercom = No Intercom notification for more than { $minutes } minutes during business hours: check the Intercom app's webhook settings.
overview-vendors = Vendors
overview-vendor = Vendor
overview-last-error = Last error
overview-429s = Rate limited (last hour)
overview-budget-used = Request budget used
overview-no-error = No error since the hub started
overview-error-credentials = { $when }: refused the hub's credentials ({ $status }) on { $method } { $endpoint }
overview-error-rate-limited = { $when }: too many requests ({ $status }) on { $method } { $endpoint }
overview-error-server = { $when }: the vendor failed ({ $status }) on { $method } { $endpoint }
overview-error-refused = { $when }: refused the request ({ $status }) on { $method } { $endpoint }
overview-error-network = { $when }: no answer (network error or timeout) on { $method } { $endpoint }
overview-rate-limited = { $n ->
    [0] None
    [one] One answer 429
   *[other] { $n } answers 429
}
overview-budget = { $used } of { $budget } requests in the last minute ({ $percent } %)
overview-work = Work
overview-inbox = Webhooks waiting (inbox)
overview-outbox = Effects waiting, { $lane }
overview-lane-interactive = interactive lane
overview-lane-logging = logging lane
overview-failed = Effects failed in the last 24 hours
overview-streams = Agents online
overview-online = { $agents ->
    [one] one agent
   *[other] { $agents } agents
} ({ $streams ->
    [one] one event stream
   *[other] { $streams } event streams
})
overview-sync = Contact sync
overview-sync-off = This hub runs no contact sync
overview-sync-idle = Waiting for its next run
overview-sync-scanning = Reading Intercom: { $seen } contacts so far
overview-sync-pushing = Writing to Aircall: { $written } contacts written so far
overview-sync-done = Last run finished: { $seen } contacts read, { $written } written, { $failed } refused
overview-sync-stopped = Last run stopped early; it resumes at the next run
overview-hub = The hub
overview-version = Version
overview-uptime = Running for
overview-database = Database size
overview-seconds = { $n ->
    [one] one second
   *[other] { $n } seconds
}
overview-minutes = { $n ->
    [one] one minute
   *[other] { $n } minutes
}
overview-hours = { $n ->
    [one] one hour
   *[other] { $n } hours
}
overview-days = { $n ->
    [one] one day
   *[other] { $n } days
}
overview-callbacks = Call-backs
overview-callbacks-waiting = To call back
overview-callbacks-late = Late
overview-callbacks-oldest-late = Oldest late
overview-callbacks-none-late = None late
overview-callbacks-returned = Returned today
