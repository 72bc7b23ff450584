export { registrar } from "./registrar.js";
