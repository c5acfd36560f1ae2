// Validates an OpenAPI document (a JSON file) against the OpenAPI 3.1
// schema with @seriousme/openapi-schema-validator, installed from npm by
// tests/integration/test_gateway_openapi.sh (npm ci in this directory).
// Usage: node validate.mjs FILE. Exits 0 when valid, 1 printing the errors.
import { Validator } from "@seriousme/openapi-schema-validator";

const validator = new Validator();
const result = await validator.validate(process.argv[2]);
if (!result.valid || validator.version !== "3.1") {
    console.error(`not a valid OpenAPI 3.1 document (version ${validator.version}):`);
    console.error(JSON.stringify(result.errors, null, 2).slice(0, 4000));
    process.exit(1);
}
console.log(`valid OpenAPI ${validator.version}`);
