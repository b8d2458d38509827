// node validate.mjs FILE.yaml — checks every object in a multi-document YAML file (kubectl kustomize output)
// against the Kubernetes API schema that npm's kubernetes-models carries, without a cluster. Prints one line per
// invalid object and a summary line; exits 1 if any object is invalid or of a kind it does not know.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const text = readFileSync(process.argv[2], "utf8");
let count = 0;
let invalid = 0;
for (const document of parseAllDocuments(text)) {
  if (document.errors.length > 0) {
    console.log(`YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    invalid++;
    continue;
  }

  const object = document.toJS();
  if (!object) {
    continue;
  }

  count++;
  const name = `${object.kind}/${object.metadata?.name}`;
  if (object.kind === "Secret" && object.data) {
    // kustomize wraps long base64 values over several lines; the API server ignores the line breaks
    // (Go's base64 decoder skips \r and \n), the schema's "byte" format does not.
    for (const key of Object.keys(object.data)) {
      object.data[key] = String(object.data[key]).replace(/\s+/g, "");
    }
  }

  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
  const module = group ? `kubernetes-models/${group}/${version}/${object.kind}` : `kubernetes-models/${version}/${object.kind}`;
  try {
    const exports = await import(module);
    const Model = exports[object.kind];
    new Model(object).validate();
  } catch (error) {
    invalid++;
    console.log(`${name}: ${error.message}`);
  }
}

console.log(`${count} objects, ${invalid} invalid`);
process.exit(invalid > 0 || count === 0 ? 1 : 0);
