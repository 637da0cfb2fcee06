import { useCallback, useEffect, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { navigate } from '../route.ts';
import { careApi, type CampaignSummary, type TargetCard } from './care-api.ts';
import { InterviewCard } from './interview.tsx';
import { ErrorLine } from '../components/error-line.tsx';

/** The active campaigns, for an operator or interviewer to pick one to work. */
export function useActiveCampaigns() {
  const [campaigns, setCampaigns] = useState<CampaignSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    careApi.campaigns().then(
      (list) => setCampaigns(list.items.filter((c) => c.status === 'active')),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  return { campaigns, error };
}

/**
 * The operator's call queue: the next citizen due in the chosen campaign, held for this operator
 * by the server; recording an outcome brings up the next one.
 */
export function CallQueue({ campaignId }: { campaignId: number | null }) {
  const { t } = useI18n();
  const { campaigns, error: listError } = useActiveCampaigns();
  const [card, setCard] = useState<TargetCard | null | undefined>(undefined);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const loadNext = useCallback(async () => {
    if (campaignId === null) return;
    setError(null);
    setCard(undefined);
    try {
      setCard(await careApi.next(campaignId));
    } catch (e) {
      setCard(null);
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [campaignId]);
  useEffect(() => void loadNext(), [loadNext]);

  const campaign = campaigns?.find((c) => c.id === campaignId);
  return (
    <div className="care-queue">
      <div className="care-pick">
        <label>
          {t('care.campaign')}{' '}
          <select
            name="campaign"
            value={campaignId ?? ''}
            onChange={(e) => {
              setDone(null);
              navigate({ name: 'care', section: 'queue', id: e.target.value ? Number(e.target.value) : null });
            }}
          >
            <option value="">{t('care.pickCampaign')}</option>
            {(campaigns ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        {campaignId !== null && (
          <button type="button" className="ghost" onClick={() => void loadNext()}>
            {t('care.refresh')}
          </button>
        )}
      </div>
      {listError && <p className="error">{listError}</p>}
      {campaigns && campaigns.length === 0 && <p className="empty">{t('care.noActiveCampaigns')}</p>}
      {done && (
        <p className="done" role="status">
          {done}
        </p>
      )}
      <ErrorLine message={error} />
      {campaignId === null ? null : card === undefined ? (
        <p className="loading">{t('app.loading')}</p>
      ) : card === null ? (
        <p className="empty queue-empty">{t('care.queueEmpty', { campaign: campaign?.name ?? '' })}</p>
      ) : (
        <InterviewCard
          key={card.id}
          card={card}
          onRecorded={(recorded, outcome) => {
            setDone(t('care.recorded', { code: recorded.dossier.code, outcome: t(`care.outcome.${outcome}` as MessageKey) }));
            void loadNext();
          }}
        />
      )}
    </div>
  );
}
