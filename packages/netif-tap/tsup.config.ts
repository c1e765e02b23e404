import { preset } from '@stack/tsup-config';
export default preset();
