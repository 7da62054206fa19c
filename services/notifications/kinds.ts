/**
 * The kinds of staff notification (the outbox's kinds, as the rules and the workflow write them)
 * that a person's preference or an admin's SMS alert names, and the roles of the rules' notify
 * lists an SMS alert may name (docs/notification-preferences.md).
 */
export const STAFF_NOTIFICATION_KINDS = ['classified', 'assigned', 'requester_reply', 'reopened', 'resumed', 'priority_changed', 'sla_warning', 'sla_breached', 'escalated', 'deescalated', 'escalation_step'] as const;

export const ALERT_ROLES = ['assignee', 'team', 'team_lead', 'duty_manager'] as const;
