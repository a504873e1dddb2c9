/**
 * Built-in plugins, imported statically so `bun build --compile` embeds
 * them. Add a domain by adding its folder here; third-party plugins need no
 * entry (they are loaded from `plugins_dir` at start).
 */
import type { LwsPlugin } from '../src/plugins/types.ts'
import app from './app/index.ts'
import lxc from './lxc/index.ts'
import px from './px/index.ts'
import sec from './sec/index.ts'

export const builtinPlugins: LwsPlugin[] = [px, lxc, app, sec]
