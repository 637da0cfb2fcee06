import { isOverseer, type Agent } from '../api.ts';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { navigate, type CareSection } from '../route.ts';
import { CallQueue } from './call-queue.tsx';
import { CampaignsView } from './campaigns-view.tsx';
import { DossiersView } from './dossiers-view.tsx';
import { ImportView } from './import-view.tsx';
import { VisitsView } from './visits-view.tsx';

/** Sections only supervisors work: the server refuses them to operators all the same. */
const supervisorSections = new Set<CareSection>(['campaigns', 'import', 'dossiers']);

/**
 * Customer care: operators call from the queue and interviewers record home visits; supervisors
 * also import dossiers and look them up, run campaigns and read their results.
 */
export function CareView({ agent, section, id }: { agent: Agent; section: CareSection; id: number | null }) {
  const { t } = useI18n();
  const overseer = isOverseer(agent);
  const sections: CareSection[] = overseer ? ['queue', 'visits', 'campaigns', 'import', 'dossiers'] : ['queue', 'visits'];
  return (
    <main className="care">
      <nav className="care-nav" aria-label={t('nav.care')}>
        {sections.map((s) => (
          <a
            key={s}
            href={`/inbox/care/${s}`}
            className={s === section ? 'active' : ''}
            aria-current={s === section ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate({ name: 'care', section: s, id: null });
            }}
          >
            {t(`care.section.${s}` as MessageKey)}
          </a>
        ))}
      </nav>
      {supervisorSections.has(section) && !overseer ? (
        <p className="empty">{t('care.forbidden')}</p>
      ) : section === 'queue' ? (
        <CallQueue campaignId={id} />
      ) : section === 'visits' ? (
        <VisitsView />
      ) : section === 'campaigns' ? (
        <CampaignsView id={id} />
      ) : section === 'dossiers' ? (
        <DossiersView />
      ) : (
        <ImportView />
      )}
    </main>
  );
}
