import { preset } from '@stack/tsup-config';
export default preset({ entry: ['src/index.ts', 'src/node.ts'] });
