import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the schema, reviewed, committed and append-only.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/platform/db/schema/index.ts',
  out: './migrations',
});
