## La page des agents.
agents-email = E-mail
agents-role = Rôle
agents-role-admin = Administrateur
agents-role-agent = Agent
agents-joined = Arrivée
agents-joined-token = Jeton créé par un administrateur
agents-joined-oauth = Connecté avec Intercom
agents-joined-invitation = Arrivé avec une invitation
agents-joined-invited = Invité, pas encore arrivé
agents-invited-until = Invitation valable jusqu'au { $until }
agents-since = Depuis
agents-last-seen = Vu pour la dernière fois
agents-never-seen = Jamais
agents-streams = Flux ouverts
agents-app = Version de l'application
agents-app-unknown = Inconnue
agents-actions = Actions
agents-revoke = Révoquer
agents-revoke-label = Révoquer { $email }
agents-none = Personne n'a encore de jeton ni d'invitation.
agents-revoked = { $email } a été révoqué : son jeton et ses invitations ouvertes ne fonctionnent plus ; { $streams ->
    [0] aucun flux d'événements n'était ouvert.
    [one] son flux d'événements a été fermé.
   *[other] ses { $streams } flux d'événements ont été fermés.
}
agents-invite-title = Inviter un agent
agents-invite-email = Son e-mail (comme dans Intercom et Aircall)
agents-invite-admin = Comme administrateur (voit tous les appels et cette console)
agents-invite = Inviter
agents-invite-refused = L'invitation n'a pas été créée : { $why }
agents-invited-title = Invitation pour { $email }
agents-invited-once = Elle n'est affichée que maintenant et ne sert qu'une fois, pendant { $days } jours. Envoyez-la à l'agent ; « Révoquer » l'annule.
agents-invited-app = À ouvrir dans l'application Ringside :
agents-invited-web = Ou sur le web :
