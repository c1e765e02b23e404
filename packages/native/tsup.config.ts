import { preset } from '@stack/tsup-config';
// shims: the CJS build gets import.meta.url (the loader finds build/Release from it).
export default preset({ shims: true });
