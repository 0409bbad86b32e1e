/** Reply-time targets of an inbox or a team, in minutes (a missing one: no target of that kind). */
export interface ReplyTargets {
  firstResponseMinutes?: number;
  nextResponseMinutes?: number;
  resolutionMinutes?: number;
  isBusinessHoursOnly: boolean;
}

/** A team as GET /v1/teams answers it: a queue of its own and the operators in it. */
export interface Team {
  id: string;
  name: string;
  description: string;
  replyTargets: ReplyTargets | null;
  members: { userId: string; name: string }[];
  createdAt: string;
  updatedAt: string;
}

/** One team's queue in the queue's team selector. */
export interface TeamCount {
  teamId: string;
  name: string;
  count: number;
  /** The caller is a member. */
  isMine: boolean;
}

export const teamKeys = {
  all: ['teams'] as const,
  /** Under the queue's key: whatever refreshes the queue (a live frame, an action) refreshes these too. */
  counts: (status: string) => ['support', 'queue', 'team-counts', status] as const,
};

/** "First reply 30 min · resolution 1 d (business hours)": a team's or inbox's targets in a line. */
export function describeTargets(targets: ReplyTargets | null): string {
  if (!targets) return 'No targets';
  const parts = [
    targets.firstResponseMinutes !== undefined && `first reply ${minutesText(targets.firstResponseMinutes)}`,
    targets.nextResponseMinutes !== undefined && `next reply ${minutesText(targets.nextResponseMinutes)}`,
    targets.resolutionMinutes !== undefined && `resolution ${minutesText(targets.resolutionMinutes)}`,
  ].filter(Boolean);
  if (parts.length === 0) return 'No targets';
  return `${parts.join(' · ')}${targets.isBusinessHoursOnly ? ' (business hours)' : ''}`;
}

function minutesText(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} d`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}
