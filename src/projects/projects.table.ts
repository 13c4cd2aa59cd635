import type { Generated, Selectable } from 'kysely';

export type ProjectRole = 'owner' | 'editor' | 'viewer';

export interface ProjectTable {
  id: string;
  key: string;
  name: string;
  description: string | null;
  item_counter: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface ProjectMemberTable {
  project_id: string;
  user_id: string;
  role: ProjectRole;
  created_at: Generated<Date>;
}

export type ProjectRow = Selectable<ProjectTable>;
