import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type AgentRow } from '../api.ts';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { navigate } from '../route.ts';
import { careApi, deskLevels, type CampaignCreated, type CampaignDetail, type CampaignSummary, type DeskLevel, type NoticeTemplateInfo, type NotifyResult, type Questionnaire, type StratifyBy, type Template } from './care-api.ts';
import { when } from './interview.tsx';
import { ResultsPanel } from './results-view.tsx';
import { ErrorLine } from '../components/error-line.tsx';

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);
const optionalInt = (text: string) => (text.trim() === '' ? undefined : Number(text));

/** A named group of desk-level boxes: the form has two with the same box labels. */
function LevelBoxes({ name, label, value, onChange }: { name: string; label: string; value: DeskLevel[]; onChange(levels: DeskLevel[]): void }) {
  const { t } = useI18n();
  return (
    <div className="field" role="group" aria-label={label}>
      <span>{label}</span>
      <span className="boxes">
        {deskLevels.map((level) => (
          <label key={level}>
            <input type="checkbox" name={name} value={level} checked={value.includes(level)} onChange={(e) => onChange(e.target.checked ? [...value, level] : value.filter((l) => l !== level))} /> {t(`care.level.${level}` as MessageKey)}
          </label>
        ))}
      </span>
    </div>
  );
}

export function StrataTable({ strata }: { strata: Array<{ key: string; population: number; allocated: number }> }) {
  const { t } = useI18n();
  const label = (key: string) => (['province', 'district', 'commune', 'unknown', 'all'].includes(key) ? t(`care.level.${key}` as MessageKey) : key);
  return (
    <table className="care-table strata">
      <thead>
        <tr>
          <th>{t('care.stratum')}</th>
          <th>{t('care.population')}</th>
          <th>{t('care.allocated')}</th>
        </tr>
      </thead>
      <tbody>
        {strata.map((s) => (
          <tr key={s.key}>
            <td>{label(s.key)}</td>
            <td className="num">{s.population}</td>
            <td className="num">{s.allocated}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A new campaign: who is in the population, how the sample is drawn, and what is asked. */
function CreateCampaign({ onCreated }: { onCreated(): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [template, setTemplate] = useState<Template>('care');
  const [preview, setPreview] = useState<Questionnaire | null>(null);
  const [finishedFrom, setFinishedFrom] = useState('');
  const [finishedTo, setFinishedTo] = useState('');
  const [levels, setLevels] = useState<DeskLevel[]>([]);
  const [units, setUnits] = useState('');
  const [procedures, setProcedures] = useState('');
  const [sampleSize, setSampleSize] = useState('100');
  const [stratifyBy, setStratifyBy] = useState<StratifyBy>('deskLevel');
  const [minPerStratum, setMinPerStratum] = useState('');
  const [seed, setSeed] = useState('');
  const [excludeDays, setExcludeDays] = useState('90');
  const [visitLevels, setVisitLevels] = useState<DeskLevel[]>([]);
  const [webSurvey, setWebSurvey] = useState(false);
  const [leadMinutes, setLeadMinutes] = useState('');
  // ZNS templates the Zalo OA offers; none configured: the choice is not shown. No template chosen: no ZNS.
  const [znsTemplates, setZnsTemplates] = useState<NoticeTemplateInfo[]>([]);
  const [znsTemplate, setZnsTemplate] = useState('');
  const [created, setCreated] = useState<CampaignCreated | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    careApi.template(template).then(setPreview, () => setPreview(null));
  }, [template]);
  useEffect(() => {
    careApi.noticeTemplates().then((all) => setZnsTemplates(all.filter((t) => t.transport === 'zns')), () => setZnsTemplates([]));
  }, []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const result = await careApi.create({
        name: name.trim(),
        template,
        filter: {
          ...(finishedFrom ? { finishedFrom } : {}),
          ...(finishedTo ? { finishedTo } : {}),
          ...(levels.length ? { deskLevels: levels } : {}),
          ...(lines(units).length ? { units: lines(units) } : {}),
          ...(lines(procedures).length ? { procedures: lines(procedures) } : {}),
        },
        sampleSize: Number(sampleSize),
        stratifyBy,
        ...(optionalInt(minPerStratum) !== undefined ? { minPerStratum: optionalInt(minPerStratum)! } : {}),
        ...(seed.trim() ? { seed: seed.trim() } : {}),
        excludeDays: Number(excludeDays) || 0,
        ...(visitLevels.length ? { visitLevels } : {}),
        ...(webSurvey ? { webSurvey } : {}),
        ...(optionalInt(leadMinutes) !== undefined ? { noticeLeadMinutes: optionalInt(leadMinutes)! } : {}),
        ...(znsTemplate ? { znsTemplate } : {}),
      });
      setCreated(result);
      onCreated();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="create-campaign">
      <h2>{t('care.create.title')}</h2>
      <form className="care-form" onSubmit={(e) => void submit(e)}>
        <label className="wide">
          {t('care.create.name')}
          <input name="name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <fieldset>
          <legend>{t('care.create.population')}</legend>
          <label>
            {t('care.create.finishedFrom')}
            <input type="date" name="finishedFrom" value={finishedFrom} onChange={(e) => setFinishedFrom(e.target.value)} />
          </label>
          <label>
            {t('care.create.finishedTo')}
            <input type="date" name="finishedTo" value={finishedTo} onChange={(e) => setFinishedTo(e.target.value)} />
          </label>
          <LevelBoxes name="deskLevels" label={t('care.create.deskLevels')} value={levels} onChange={setLevels} />
          <label>
            {t('care.create.units')}
            <textarea name="units" rows={2} value={units} onChange={(e) => setUnits(e.target.value)} placeholder={t('care.create.onePerLine')} />
          </label>
          <label>
            {t('care.create.procedures')}
            <textarea name="procedures" rows={2} value={procedures} onChange={(e) => setProcedures(e.target.value)} placeholder={t('care.create.onePerLine')} />
          </label>
        </fieldset>
        <fieldset>
          <legend>{t('care.create.sample')}</legend>
          <label>
            {t('care.create.sampleSize')}
            <input type="number" name="sampleSize" required min={1} max={100000} value={sampleSize} onChange={(e) => setSampleSize(e.target.value)} />
          </label>
          <label>
            {t('care.create.stratifyBy')}
            <select name="stratifyBy" value={stratifyBy} onChange={(e) => setStratifyBy(e.target.value as StratifyBy)}>
              {(['deskLevel', 'unit', 'none'] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`care.stratify.${s}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('care.create.minPerStratum')}
            <input type="number" name="minPerStratum" min={0} value={minPerStratum} onChange={(e) => setMinPerStratum(e.target.value)} />
          </label>
          <label>
            {t('care.create.seed')}
            <input name="seed" maxLength={100} value={seed} onChange={(e) => setSeed(e.target.value)} />
            <small className="hint">{t('care.create.seedHint')}</small>
          </label>
          <label>
            {t('care.create.excludeDays')}
            <input type="number" name="excludeDays" required min={0} max={3650} value={excludeDays} onChange={(e) => setExcludeDays(e.target.value)} />
            <small className="hint">{t('care.create.excludeHint')}</small>
          </label>
        </fieldset>
        <fieldset>
          <legend>{t('care.create.contact')}</legend>
          <label>
            {t('care.create.template')}
            <select name="template" value={template} onChange={(e) => setTemplate(e.target.value as Template)}>
              <option value="care">{t('care.template.care')}</option>
              <option value="survey">{t('care.template.survey')}</option>
            </select>
          </label>
          {preview && (
            <ol className="template-preview" aria-label={preview.title}>
              {preview.questions.map((q) => (
                <li key={q.key}>{q.label}</li>
              ))}
            </ol>
          )}
          <LevelBoxes name="visitLevels" label={t('care.create.visitLevels')} value={visitLevels} onChange={setVisitLevels} />
          <label className="inline">
            <input type="checkbox" name="webSurvey" checked={webSurvey} onChange={(e) => setWebSurvey(e.target.checked)} /> {t('care.create.webSurvey')}
          </label>
          <label>
            {t('care.create.leadMinutes')}
            <input type="number" name="noticeLeadMinutes" min={0} max={10080} value={leadMinutes} onChange={(e) => setLeadMinutes(e.target.value)} />
          </label>
          {znsTemplates.length > 0 && (
            <label>
              {t('care.create.znsTemplate')}
              <select name="znsTemplate" value={znsTemplate} onChange={(e) => setZnsTemplate(e.target.value)}>
                <option value="">{t('care.create.znsDefault')}</option>
                {znsTemplates.map((z) => (
                  <option key={z.key} value={z.key}>
                    {z.name}
                  </option>
                ))}
              </select>
            </label>
          )}
        </fieldset>
        <button className="primary" disabled={busy}>
          {t('care.create.submit')}
        </button>
      </form>
      <ErrorLine message={error} />
      {created && (
        <div className="created" role="status">
          <p>{t('care.create.done', { drawn: created.drawn, seed: created.seed, excluded: created.excludedCount, duplicates: created.duplicateCount, noContact: created.noContact })}</p>
          <StrataTable strata={created.strata} />
          <button type="button" onClick={() => navigate({ name: 'care', section: 'campaigns', id: created.id })}>
            {t('care.open')}
          </button>
        </div>
      )}
    </section>
  );
}

/** The pre-notice sent in batches, one after another, until everyone drawn has been told. */
function NotifyPanel({ campaignId, onProgress }: { campaignId: number; onProgress(): void }) {
  const { t } = useI18n();
  const [batch, setBatch] = useState('200');
  const [sent, setSent] = useState<NotifyResult | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const stop = useRef(false);

  async function run() {
    setRunning(true);
    setError(null);
    stop.current = false;
    const total: NotifyResult = { notified: 0, byChannel: { zalo: 0, email: 0, sms: 0, none: 0 }, remaining: 0 };
    try {
      // Batches keep each request short; the next one starts only when the last has answered.
      for (;;) {
        const r = await careApi.notify(campaignId, Math.max(1, Math.min(5000, Number(batch) || 200)));
        total.notified += r.notified;
        for (const k of ['zalo', 'email', 'sms', 'none'] as const) total.byChannel[k] += r.byChannel[k];
        total.remaining = r.remaining;
        setSent({ ...total, byChannel: { ...total.byChannel } });
        onProgress();
        if (r.remaining === 0 || r.notified === 0 || stop.current) break;
      }
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setRunning(false);
    }
  }

  return (
    <section className="notify">
      <h3>{t('care.notify.title')}</h3>
      <p className="hint">{t('care.notify.hint')}</p>
      <label>
        {t('care.notify.batch')} <input type="number" name="batch" min={1} max={5000} value={batch} onChange={(e) => setBatch(e.target.value)} />
      </label>{' '}
      <button type="button" disabled={running} onClick={() => void run()}>
        {t('care.notify.send')}
      </button>
      {running && (
        <button type="button" className="ghost" onClick={() => (stop.current = true)}>
          {t('care.notify.stop')}
        </button>
      )}
      {sent && (
        <p role="status" className="notify-result">
          {t('care.notify.result', { notified: sent.notified, zalo: sent.byChannel.zalo, email: sent.byChannel.email, sms: sent.byChannel.sms, none: sent.byChannel.none, remaining: sent.remaining })}
        </p>
      )}
      <ErrorLine message={error} />
    </section>
  );
}

function AssignVisits({ campaignId }: { campaignId: number }) {
  const { t } = useI18n();
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [chosen, setChosen] = useState<number[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.agents().then((rows) => setAgents(rows.filter((a) => !a.disabled && ['agent', 'supervisor', 'admin'].includes(a.role))), () => undefined);
  }, []);
  async function assign() {
    setError(null);
    setMessage(null);
    try {
      setMessage(t('care.visits.assigned', { count: (await careApi.assignVisits(campaignId, chosen)).assigned }));
      // Done for these people: a second press would only say none were left.
      setChosen([]);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }
  return (
    <section className="assign">
      <h3>{t('care.visits.assign')}</h3>
      <div className="boxes">
        {agents.map((a) => (
          <label key={a.id}>
            <input type="checkbox" checked={chosen.includes(a.id)} onChange={(e) => setChosen(e.target.checked ? [...chosen, a.id] : chosen.filter((id) => id !== a.id))} /> {a.displayName}
          </label>
        ))}
      </div>
      <button type="button" disabled={chosen.length === 0} onClick={() => void assign()}>
        {t('care.visits.assignSubmit')}
      </button>
      {message && <p role="status">{message}</p>}
      <ErrorLine message={error} />
    </section>
  );
}

function CampaignPage({ id }: { id: number }) {
  const { t, locale } = useI18n();
  const [campaign, setCampaign] = useState<CampaignDetail | null>(null);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => careApi.campaign(id).then(setCampaign, (e: unknown) => setError(e instanceof Error ? e.message : String(e))), [id]);
  useEffect(() => void load(), [load]);

  if (!campaign) return <section className="campaign">{error ? <p className="error">{error}</p> : <p className="loading">{t('app.loading')}</p>}</section>;
  const active = campaign.status === 'active';
  return (
    <section className="campaign" aria-label={campaign.name}>
      <h2>
        {campaign.name} <span className="tk-badge">{t(`care.campaign.${campaign.status}` as MessageKey)}</span>
      </h2>
      <p className="hint">
        {t(`care.template.${campaign.kind}` as MessageKey)} · {t('care.createdAt')}: {when(campaign.createdAt, locale)} · {t('care.seed')}: <code>{campaign.seed}</code> · {t('care.outboundNumber')}: {campaign.outboundNumber}
      </p>
      <div className="campaign-facts">
        <StrataTable strata={campaign.strata} />
        <table className="care-table by-status">
          <caption>{t('care.byStatus', { count: campaign.targets })}</caption>
          <tbody>
            {Object.entries(campaign.byStatus).map(([status, n]) => (
              <tr key={status} data-status={status}>
                <td>{t(`care.status.${status}` as MessageKey)}</td>
                <td className="num">{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {active && (
        <div className="campaign-actions">
          <NotifyPanel
            campaignId={id}
            onProgress={() => {
              void load();
              setVersion((v) => v + 1);
            }}
          />
          <AssignVisits campaignId={id} />
          <p>
            <button type="button" className="ghost" onClick={() => navigate({ name: 'care', section: 'queue', id })}>
              {t('care.openQueue')}
            </button>{' '}
            <button
              type="button"
              className="ghost danger"
              onClick={() => {
                if (window.confirm(t('care.closeConfirm'))) void careApi.close(id).then(load, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
              }}
            >
              {t('care.close')}
            </button>
          </p>
        </div>
      )}
      <ErrorLine message={error} />
      <ResultsPanel key={version} campaignId={id} />
    </section>
  );
}

/** Supervisors: the campaigns, newest first, a new one, and one campaign with its results. */
export function CampaignsView({ id }: { id: number | null }) {
  const { t, locale } = useI18n();
  const [items, setItems] = useState<CampaignSummary[]>([]);
  const load = useCallback(() => void careApi.campaigns().then((list) => setItems(list.items), () => undefined), []);
  useEffect(load, [load]);
  return (
    <div className="care-campaigns">
      <nav className="campaign-list" aria-label={t('care.campaigns')}>
        <button type="button" className={id === null ? 'active' : 'ghost'} onClick={() => navigate({ name: 'care', section: 'campaigns', id: null })}>
          {t('care.create.title')}
        </button>
        <ul>
          {items.map((c) => (
            <li key={c.id} className={c.id === id ? 'selected' : ''}>
              <a
                href={`/inbox/care/campaigns/${c.id}`}
                data-campaign={c.id}
                onClick={(e) => {
                  e.preventDefault();
                  navigate({ name: 'care', section: 'campaigns', id: c.id });
                }}
              >
                <strong>{c.name}</strong>
                <small>
                  {t(`care.campaign.${c.status}` as MessageKey)} · {t('care.sampleOf', { size: c.sampleSize })} · {when(c.createdAt, locale)}
                </small>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="campaign-main">{id === null ? <CreateCampaign onCreated={load} /> : <CampaignPage key={id} id={id} />}</div>
    </div>
  );
}
