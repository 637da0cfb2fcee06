import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { appendAudit } from '../../core/audit.ts';
import type { FileConfig } from '../../core/config/file-schema.ts';
import { projectRoot } from '../../core/config/project-root.ts';
import { HttpError, NotFoundError } from '../../core/errors.ts';
import type { Store } from '../../core/store/store.ts';

export type UnitKind = 'province' | 'department' | 'commune' | 'ward' | 'other';
export const unitKinds: readonly UnitKind[] = ['province', 'department', 'commune', 'ward', 'other'];

const localUnitsFile = z.object({
  units: z.array(z.object({ code: z.string().min(1), name: z.string().min(1), kind: z.enum(['xa', 'phuong']) })),
});

/** The organisation as rows: seeded from the configuration once, edited by admins after. */
export function createUnits(store: Store) {
  const { t, db } = store;

  /**
   * Fills an empty units table from the configuration (province, departments, communes and
   * wards). A store that has units keeps them: admins' edits win over the demo file.
   */
  async function seed(config: FileConfig['organisation']): Promise<number> {
    return store.tx(async (tx) => {
      const [existing] = await tx.select({ n: sql<number>`count(*)` }).from(t.units);
      if (Number(existing!.n) > 0) return 0;
      const now = new Date();
      const [province] = await tx.insert(t.units).values({ key: config.province.key, name: config.province.name, kind: 'province', createdAt: now }).returning({ id: t.units.id });
      const rows: Array<typeof t.units.$inferInsert> = config.departments.map((d) => ({ key: d.key, name: d.name, kind: 'department', parentId: province!.id, createdAt: now }));
      if (config.localUnitsFile) {
        const path = isAbsolute(config.localUnitsFile) ? config.localUnitsFile : resolve(projectRoot, config.localUnitsFile);
        const file = localUnitsFile.parse(JSON.parse(readFileSync(path, 'utf8')));
        for (const unit of file.units) {
          rows.push({ key: `dvhc-${unit.code}`, name: unit.name, kind: unit.kind === 'xa' ? 'commune' : 'ward', parentId: province!.id, createdAt: now });
        }
      }
      // Chunked: PostgreSQL takes at most 65,535 parameters in one statement.
      for (let i = 0; i < rows.length; i += 200) await tx.insert(t.units).values(rows.slice(i, i + 200));
      return rows.length + 1;
    });
  }

  const columns = { id: t.units.id, key: t.units.key, name: t.units.name, kind: t.units.kind, parentId: t.units.parentId, disabledAt: t.units.disabledAt };

  async function list(options: { includeDisabled?: boolean } = {}) {
    return db
      .select(columns)
      .from(t.units)
      .where(options.includeDisabled ? undefined : sql`${t.units.disabledAt} is null`)
      .orderBy(asc(t.units.kind), asc(t.units.name));
  }

  async function create(input: { key: string; name: string; kind: UnitKind; parentId?: number | null }, actor: string) {
    return store.tx(async (tx) => {
      const [clash] = await tx.select({ id: t.units.id }).from(t.units).where(eq(t.units.key, input.key)).limit(1);
      if (clash) throw new HttpError(409, 'unit_exists', `a unit with key "${input.key}" exists`);
      const [row] = await tx
        .insert(t.units)
        .values({ key: input.key, name: input.name, kind: input.kind, parentId: input.parentId ?? null, createdAt: new Date() })
        .returning(columns);
      await appendAudit(store, tx, { actor, action: 'unit.created', subjectType: 'unit', subjectId: row!.id, detail: input });
      return row!;
    });
  }

  async function update(id: number, change: { name?: string; kind?: UnitKind; parentId?: number | null; disabled?: boolean }, actor: string) {
    return store.tx(async (tx) => {
      const set: Partial<typeof t.units.$inferInsert> = {};
      if (change.name !== undefined) set.name = change.name;
      if (change.kind !== undefined) set.kind = change.kind;
      if (change.parentId !== undefined) {
        if (change.parentId === id) throw new HttpError(400, 'invalid_parent', 'a unit cannot be its own parent');
        set.parentId = change.parentId;
      }
      if (change.disabled !== undefined) set.disabledAt = change.disabled ? new Date() : null;
      const [row] = await tx.update(t.units).set(set).where(eq(t.units.id, id)).returning(columns);
      if (!row) throw new NotFoundError('unit');
      await appendAudit(store, tx, { actor, action: 'unit.updated', subjectType: 'unit', subjectId: id, detail: change });
      return row;
    });
  }

  /** Sets which units a person works for (unit officers and leaders). */
  async function setMembership(agentId: number, unitIds: number[], actor: string) {
    await store.tx(async (tx) => {
      const [agent] = await tx.select({ id: t.agents.id }).from(t.agents).where(eq(t.agents.id, agentId)).limit(1);
      if (!agent) throw new NotFoundError('agent');
      if (unitIds.length) {
        const found = await tx.select({ id: t.units.id }).from(t.units).where(inArray(t.units.id, unitIds));
        if (found.length !== new Set(unitIds).size) throw new HttpError(400, 'unknown_unit', 'no such unit');
      }
      await tx.delete(t.agentUnits).where(eq(t.agentUnits.agentId, agentId));
      if (unitIds.length) await tx.insert(t.agentUnits).values([...new Set(unitIds)].map((unitId) => ({ agentId, unitId })));
      await appendAudit(store, tx, { actor, action: 'agent.units', subjectType: 'agent', subjectId: agentId, detail: { unitIds } });
    });
  }

  async function members(unitId: number) {
    return db
      .select({ agentId: t.agents.id, username: t.agents.username, displayName: t.agents.displayName, role: t.agents.role })
      .from(t.agentUnits)
      .innerJoin(t.agents, eq(t.agents.id, t.agentUnits.agentId))
      .where(and(eq(t.agentUnits.unitId, unitId), sql`${t.agents.disabledAt} is null`));
  }

  return { seed, list, create, update, setMembership, members };
}

export type Units = ReturnType<typeof createUnits>;
