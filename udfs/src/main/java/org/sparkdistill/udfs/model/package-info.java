/** Small, serialisable model components evaluated on executors without a deep-learning engine. */
package org.sparkdistill.udfs.model;
