import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/core/store/schema.pg.ts',
  out: './drizzle/pg',
});
