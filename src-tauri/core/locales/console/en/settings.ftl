## The settings page.
settings-intro = The hub's configuration as it runs: each value with where it came from. Secrets are never shown. What is logged can be changed here: a change applies at once, is kept by the hub and overrides the configuration file until it is reset.
settings-no-report = This hub was started without a configuration file or environment (an app's built-in hub or a test): the values shown are the program's.
settings-col-key = Setting
settings-col-value = Value
settings-col-source = Where it comes from
settings-not-set = not set
settings-source-file = file { $path }
settings-source-file-line = file { $path }, line { $line }
settings-source-environment = environment variable { $var }
settings-source-flag = command-line flag { $flag }
settings-source-default = default
settings-source-console = console, by { $who } on { $when }
settings-overriding-file = overriding the file's { $value }
settings-overriding-environment = overriding the environment's { $value }
settings-overriding-flag = overriding the flag's { $value }
settings-overriding-default = overriding the default { $value }
settings-reset = Back to the file's value
settings-save = Save
settings-save-hint = Saving changes only the settings whose value you changed; each change is recorded with your name.
settings-saved = { $n ->
    [0] Nothing changed.
    [one] One setting changed; the hub follows it from now on.
   *[other] { $n } settings changed; the hub follows them from now on.
}
settings-was-reset = { $key } follows the configuration again.
settings-refused = Nothing was changed: { $key } does not take this value ({ $reason }).
settings-refused-unknown = Nothing was changed: there is no setting { $key }.
settings-refused-not-here = Nothing was changed: { $key } cannot be changed in the console; set it in hub.toml.
settings-refused-whole = Nothing was changed: { $key } takes a whole number from { $min } to { $max }, not “{ $value }”.
settings-refused-bool = Nothing was changed: { $key } is on or off (true or false), not “{ $value }”.
settings-refused-choice = Nothing was changed: { $key } takes one of { $choices }, not “{ $value }”.
settings-group-aircall = Aircall
settings-group-intercom = Intercom
settings-group-hub = The hub
settings-group-logging = The hub's own logs
settings-group-signin = Sign-in
settings-group-console = The admin console and the team's hours
settings-group-contact-sync = Contact sync
settings-group-what-is-logged = What is logged
settings-group-around-the-call = Around the call: presence, wrap-up and call-backs
settings-doc-log_answered_calls = Log inbound calls that were answered.
settings-doc-log_missed_calls = Log inbound calls nobody answered.
settings-doc-log_outbound_calls = Log outbound calls.
settings-doc-log_messages = Log SMS and WhatsApp messages.
settings-doc-create_contacts = Create an Intercom contact for a number Intercom does not know.
settings-doc-new_contact_role = The role of the contacts Ringside creates.
settings-doc-message_fallback = Whom an inbound message goes to when no single teammate matches its number.
settings-doc-tag_window_minutes = How long after a call ended its Aircall tags still reach Intercom, in minutes (0 to 10080).
settings-doc-push_insight_cards = Push the caller's insight card to Aircall's phone app during a call.
settings-doc-log_ai_insights = Note Aircall's AI summary, action items, topics and sentiment on the conversation.
settings-doc-ai_topics_as_tags = Tag the conversation with Aircall's AI topics.
settings-choice-lead = Lead
settings-choice-user = User
settings-choice-unassigned = Nobody (Intercom's own rules)
settings-choice-integration_admin = The admin who owns the Intercom token
