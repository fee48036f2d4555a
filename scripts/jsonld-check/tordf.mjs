// Reads a JSON-LD file (the argument) with jsonld.js, the JSON-LD
// reference processor, and writes the RDF it holds as N-Quads. Documents
// from the network are refused: tupu's export carries its context inline.
import { readFile } from 'node:fs/promises';
import jsonld from 'jsonld';

const doc = JSON.parse(await readFile(process.argv[2], 'utf8'));
const refuse = async (url) => { throw new Error(`the export needs ${url} from the network`); };
const nquads = await jsonld.toRDF(doc, { format: 'application/n-quads', documentLoader: refuse, safe: true });
process.stdout.write(nquads);
