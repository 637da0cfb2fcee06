import { defineChannel } from '../channel-adapter.ts';
import { webformSettings } from './config.ts';
import { registerFormPage } from './form-page.ts';
import { registerWebformRoutes } from './webhook.ts';

/**
 * The web form and public API (website, mobile app). There is no platform to deliver to: an
 * answer is delivered when it is committed, and the citizen reads it in their thread
 * (GET /api/public/conversations/:id/messages with the thread token the submit returned).
 */
export default defineChannel({
  name: 'webform',
  display: { names: { vi: 'Biểu mẫu web', en: 'Web form' }, reportNames: { vi: 'Website, ứng dụng', en: 'Website and app' }, icon: 'F', color: '#64748b' },
  settingsSchema: webformSettings,
  create(context) {
    return {
      async routes(app) {
        await registerWebformRoutes(app, context);
        if (context.isDefault) {
          await registerFormPage(app, context.config.file.deployment.locale, context.config.file.deployment.shortName, '/api/public/messages', context.settings.maxTextLength);
        }
      },
      deliversOnCommit: true,
      // Only rows queued before deliversOnCommit existed still come here.
      async send() {
        return {};
      },
    };
  },
});
